"""Delimited text tables as phone apps and vendor tools write them.

Separators are a comma, a semicolon or a tab; with a semicolon or a tab the decimal mark may be a
comma (``5,772740775E1``); labels may be quoted; ``NaN`` or an empty field is a missing value. The
numbers are parsed by pandas' C parser; only when that fails is the text scanned line by line, to
name the first value that is not a number.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from imuhinge.errors import InputError

SEPARATORS = (",", ";", "\t")
MISSING = ("", "NaN", "nan", "NAN", "null")


@dataclass
class Table:
    """One table of a text file.

    Attributes
    ----------
    source : str
        Where it comes from, for messages (the file, or ``archive.zip:Member.csv``).
    labels : list of str
        Column labels as written (quotes and surrounding spaces removed).
    values : ndarray, shape (N, len(labels))
        The numeric columns as float (NaN where missing); text columns are all NaN.
    first_row : list of str
        The first data row's fields as text (dates and other text columns are read from here).
    header_line : int
        1-based line number of the label line.
    """

    source: str
    labels: list[str]
    values: np.ndarray
    first_row: list[str]
    header_line: int

    def column(self, index: int) -> np.ndarray:
        """Column ``index`` as float."""
        return self.values[:, index]


def split_fields(line: str, separator: str) -> list[str]:
    """The fields of one line, quotes removed and spaces stripped."""
    try:
        return [f.strip() for f in next(csv.reader([line], delimiter=separator, quotechar='"'))]
    except (csv.Error, StopIteration):  # not text a CSV writer wrote (a binary file's first bytes)
        return [f.strip().strip('"') for f in line.split(separator)]


def sniff_separator(header: str) -> str:
    """The separator that splits the label line into the most fields."""
    return max(SEPARATORS, key=lambda sep: len(split_fields(header, sep)))


def _decimal_mark(rows: list[str], separator: str) -> str:
    if separator == ",":
        return "."
    return "," if any("," in row for row in rows) else "."


def _parse_float(text: str, decimal: str) -> float | None:
    text = text.strip()
    if text in MISSING:
        return math.nan
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _first_bad_value(
    lines: list[str], numeric: list[int], labels: list[str], separator: str, decimal: str
) -> tuple[int, str]:
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        fields = split_fields(line, separator)
        if len(fields) > len(labels) and any(fields[len(labels) :]):
            return offset, f"expected {len(labels)} fields, found {len(fields)}"
        for k in numeric:
            value = fields[k] if k < len(fields) else ""
            if _parse_float(value, decimal) is None:
                return offset, f"value {value!r} in column {labels[k]!r} is not a number"
    return 0, "the rows cannot be parsed"


def parse_table(text: str, source: str, numeric: list[int] | None = None, header_line: int = 1) -> Table:
    """Parse one table: a label line, then rows.

    Parameters
    ----------
    text : str
        The table's text, label line first.
    source : str
        For messages.
    numeric : list of int, optional
        The columns to parse as numbers (default: all); the others stay NaN.
    header_line : int
        Line number of the label line in its file, for messages.

    Raises
    ------
    InputError
        No rows, a row with too many fields, or a value that is not a number.
    """
    header, _, body = text.partition("\n")
    header = header.rstrip("\r")
    separator = sniff_separator(header)
    labels = split_fields(header, separator)
    while labels and not labels[-1]:
        labels.pop()  # a trailing separator on the label line
    rows = body.splitlines()
    data_rows = [r for r in rows if r.strip()]
    if not labels or not data_rows:
        raise InputError(f"{source}:{header_line + 1}: no rows after the column labels")
    decimal = _decimal_mark(data_rows[:50], separator)
    numeric = list(range(len(labels))) if numeric is None else numeric
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=separator,
            decimal=decimal,
            header=None,
            names=list(range(len(labels))),
            usecols=numeric,
            index_col=False,
            dtype=dict.fromkeys(numeric, np.float64),
            na_values=list(MISSING),
            keep_default_na=False,
            skip_blank_lines=True,
            engine="c",
            quotechar='"',
        )
    except (ValueError, pd.errors.ParserError):
        offset, problem = _first_bad_value(rows, numeric, labels, separator, decimal)
        raise InputError(f"{source}:{header_line + 1 + offset}: {problem}") from None
    values = np.full((len(frame), len(labels)), np.nan)
    for k in numeric:
        values[:, k] = frame[k].to_numpy(dtype=np.float64)
    return Table(source, labels, values, split_fields(data_rows[0], separator), header_line)


def parse_tables(text: str, source: str, numeric: list[int] | None = None) -> list[Table]:
    """Parse a file that may hold several tables one after another, each starting with a quoted
    label line (phyphox writes all sets of an experiment into one file this way)."""
    lines = text.splitlines()
    starts = [0] + [i for i, line in enumerate(lines) if i > 0 and line.startswith('"')]
    tables = []
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        tables.append(parse_table("\n".join(lines[a:b]), source, numeric, header_line=a + 1))
    return tables
