"""The PO round trip moved to :mod:`pipeline.interchange.po`; this name is kept for its importers."""

from pipeline.interchange.po import export_catalog, export_po, plan_import, read_po_file

__all__ = ["export_catalog", "export_po", "plan_import", "read_po_file"]
