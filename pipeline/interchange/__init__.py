"""Translators' file formats: PO, XLIFF 2.1 and TMX, and translation-memory suggestions.

Every format works on the same documents (a chapter, or the book's metadata in book.yaml, key
``book``) and the same units; :mod:`pipeline.interchange.common` pairs them, describes where a
unit stands, finds a stale unit's previous source text and writes imports back into the YAML.
None of these modules is imported by `pipeline check`.
"""
