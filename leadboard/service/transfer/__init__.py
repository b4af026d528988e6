"""Import and export: cards in and out of the pipeline as CSV or JSON files."""

from leadboard.service.transfer.columns import BadImportFile, parse_column_map, parse_owner_map, parse_stage_map
from leadboard.service.transfer.importer import ImportOptions, ImportProgress, ImportSummary, import_file

__all__ = ["BadImportFile", "ImportOptions", "ImportProgress", "ImportSummary", "import_file",
           "parse_column_map", "parse_owner_map", "parse_stage_map"]
