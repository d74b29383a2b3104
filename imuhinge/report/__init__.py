"""Reports of an analysed set: text table, JSON, per-rep CSV (plots, HTML and wording live beside them)."""

from imuhinge.report.json_report import report_to_dict, write_json
from imuhinge.report.rep_table import rep_rows, write_rep_csv
from imuhinge.report.text import format_report

__all__ = ["format_report", "rep_rows", "report_to_dict", "write_json", "write_rep_csv"]
