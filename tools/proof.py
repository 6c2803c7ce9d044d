"""Proof sheets: every page of every handout rendered to PNG, for a person to look at.

    python tools/proof.py [EXPORTS_DIR ...] [--out proof] [--dpi 60]

PDF pages are rendered with PDFium (pypdfium2, a pip package); DOCX files are first converted
to PDF with LibreOffice (``soffice --headless``) when it is installed, and skipped with a note
when it is not. Each handout gives one contact sheet, ``proof/<folder>/<handout>.png`` (pages
side by side, numbered), and its single pages in ``proof/<folder>/<handout>/``. Half-empty
pages, clipped or oddly broken text, wrong fonts and missing glyphs show only there.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = ("exports", "examples/showcase/exports")
COLUMNS = 4
GAP = 12


def render_pdf(pdf: Path, dpi: int) -> list[Image.Image]:
    import pypdfium2 as pdfium  # only here: the package itself never needs it

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in doc]
    finally:
        doc.close()


def docx_to_pdf(docx: Path, work: Path) -> Path | None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        return None
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(docx)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = work / (docx.stem + ".pdf")
    return out if out.exists() else None


def contact_sheet(pages: list[Image.Image], title: str) -> Image.Image:
    width = max(p.width for p in pages)
    height = max(p.height for p in pages)
    rows = (len(pages) + COLUMNS - 1) // COLUMNS
    cols = min(COLUMNS, len(pages))
    sheet = Image.new("RGB", (cols * (width + GAP) + GAP, rows * (height + GAP + 14) + GAP + 20), "#8a8f98")
    draw = ImageDraw.Draw(sheet)
    draw.text((GAP, 4), title, fill="white")
    for i, page in enumerate(pages):
        x = GAP + (i % COLUMNS) * (width + GAP)
        y = 20 + GAP + (i // COLUMNS) * (height + GAP + 14)
        sheet.paste(page, (x, y))
        draw.text((x, y + page.height + 1), f"{i + 1}", fill="white")
    return sheet


def proof(folder: Path, out: Path, dpi: int) -> list[str]:
    notes = []
    target = out / folder.as_posix().replace("/", "_")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(folder.iterdir()):
            if path.suffix == ".pdf":
                pdf: Path | None = path
            elif path.suffix == ".docx":
                pdf = docx_to_pdf(path, Path(tmp))
                if pdf is None:
                    notes.append(f"{path}: LibreOffice (soffice) is not installed; DOCX pages skipped")
                    continue
            else:
                continue
            pages = render_pdf(pdf, dpi)
            name = path.name
            pages_dir = target / name
            pages_dir.mkdir(exist_ok=True)
            for k, page in enumerate(pages, 1):
                page.save(pages_dir / f"page-{k:02d}.png")
            contact_sheet(pages, f"{path} ({len(pages)} pages)").save(target / f"{name}.png")
            print(f"{target / name}.png: {len(pages)} pages")
    return notes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", help=f"folders of handouts (default: {', '.join(DEFAULT_DIRS)})")
    ap.add_argument("--out", default="proof", help="where to write the PNG files (default: proof)")
    ap.add_argument("--dpi", type=int, default=60, help="resolution of the pages (default: 60)")
    args = ap.parse_args(argv)
    dirs = [Path(d) for d in (args.dirs or DEFAULT_DIRS) if Path(d).is_dir()]
    notes = []
    for folder in dirs:
        notes += proof(folder, Path(args.out), args.dpi)
    for note in notes:
        print(note, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
