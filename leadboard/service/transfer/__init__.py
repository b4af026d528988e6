"""Import and export: cards in and out of the pipeline as CSV or JSON files.

``importer`` reads files in (with ``columns``, ``reading`` and ``rows``), ``exporter`` writes them
out (with ``names``, the columns both know); this package imports neither, so ``show --json`` does
not load the importer.
"""
