"""Candidates in and out: ATS exports and refbot's own imported with dedupe (importing), and
everything a team holds exported as CSV or JSON (exporting). Pure domain and storage."""

from bot.transfer.exporting import export_candidates
from bot.transfer.importing import default_team, import_file
from bot.transfer.records import ImportFileError, ImportReport

__all__ = ["ImportFileError", "ImportReport", "default_team", "export_candidates", "import_file"]
