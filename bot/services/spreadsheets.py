"""Streaming spreadsheet writers shared by every export (campaigns, requests, volunteers,
hours, the yearly report). No aiogram, no database here.

- ``XlsxWriter``: the XlsxWriter library in constant-memory mode (openpyxl's write-only mode
  was ~4 times slower on 100,000 rows): a sheet per key, each with a bold frozen header,
  column widths and an autofilter; dates and datetimes as real Excel dates; rows streamed to
  temporary files, so memory stays bounded. ``add_sheet`` adds a sheet with headers of its
  own (the yearly report's tables); ``write_row(..., bold=True)`` writes a totals row.
- ``CsvWriter``: UTF-8 with BOM, «;»-separated (Excel in ru/kk locales), a file per key or
  one; a text that would run as a formula in Excel is quoted with «'».

The writers are synchronous: callers run them in ``asyncio.to_thread`` chunk by chunk.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

SHEET_NAME_MAX = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
DATE_FORMAT = "DD.MM.YYYY"
DEFAULT_WIDTH = 16
NUMBER_FORMAT = "0.##"


def sheet_names(names: Sequence[str | None], fallback: str) -> list[str]:
    """Excel sheet names: ≤ 31 characters, none of []:*?/\\, unique (case ignored)."""
    used: set[str] = set()
    result = []
    for wanted in names:
        base = _BAD_SHEET_CHARS.sub(" ", wanted or fallback).strip().strip("'") or "-"
        base = base[:SHEET_NAME_MAX]
        name, n = base, 1
        while name.casefold() in used:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        used.add(name.casefold())
        result.append(name)
    return result


def file_name(text: str, fallback: str = "file") -> str:
    """A safe file name part: letters, digits, «-» and «_»."""
    cleaned = re.sub(r"[^\w\- ]+", " ", text, flags=re.UNICODE).strip()
    return re.sub(r"\s+", "_", cleaned)[:60] or fallback


class XlsxWriter:
    """A streaming XLSX writer (see the module's docstring). ``keys`` name the sheets for
    ``write``; a row whose key has no sheet goes to the first one."""

    def __init__(
        self,
        headers: Sequence[str],
        sheets: Sequence[str],
        keys: Sequence[str | None],
        widths: Sequence[int] | None = None,
    ) -> None:
        import xlsxwriter  # only when an export is asked for

        self.directory = Path(tempfile.mkdtemp(prefix="export-xlsx-"))
        self.out = self.directory / "export.xlsx"
        self.book = xlsxwriter.Workbook(
            str(self.out),
            {"constant_memory": True, "tmpdir": str(self.directory), "strings_to_numbers": False,
             "strings_to_formulas": False, "strings_to_urls": False},
        )  # fmt: skip
        self.bold = self.book.add_format({"bold": True})
        self.formats = {
            "datetime": self.book.add_format({"num_format": DATETIME_FORMAT}),
            "date": self.book.add_format({"num_format": DATE_FORMAT}),
            "bold-datetime": self.book.add_format({"num_format": DATETIME_FORMAT, "bold": True}),
            "bold-date": self.book.add_format({"num_format": DATE_FORMAT, "bold": True}),
        }
        self.sheets: dict[str | None, Any] = {}
        self.counts: dict[str | None, int] = {}
        self.widths: dict[str | None, int] = {}
        for key, title in zip(keys, sheets, strict=True):
            self.add_sheet(key, title, headers, widths)

    def add_sheet(
        self,
        key: str | None,
        title: str,
        headers: Sequence[str],
        widths: Sequence[int] | None = None,
    ) -> None:
        sheet = self.book.add_worksheet(title)
        for n, width in enumerate(widths or [DEFAULT_WIDTH] * len(headers)):
            sheet.set_column(n, n, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(headers), self.bold)
        self.sheets[key], self.counts[key], self.widths[key] = sheet, 1, len(headers)

    def write(self, chunk: Sequence[tuple[str | None, Sequence[Any]]]) -> None:
        first = next(iter(self.sheets))
        for key, row in chunk:
            self.write_row(key if key in self.sheets else first, row)

    def write_row(self, key: str | None, row: Sequence[Any], *, bold: bool = False) -> None:
        sheet, r = self.sheets[key], self.counts[key]
        self.counts[key] = r + 1
        prefix = "bold-" if bold else ""
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, self.formats[prefix + "datetime"])
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, self.formats[prefix + "date"])
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value, self.bold if bold else None)
            else:
                sheet.write_string(r, c, str(value), self.bold if bold else None)

    def close(self, path: Path) -> None:
        try:
            for key, sheet in self.sheets.items():
                sheet.autofilter(0, 0, self.counts[key] - 1, self.widths[key] - 1)
            self.book.close()
            shutil.move(str(self.out), path)
        finally:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"^\+\d{7,15}$")


def csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # Excel in ru/kk reads a decimal comma
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE.match(value):
        # A typed note or an imported cell must not run as a formula when Excel opens it.
        return "'" + value
    return "" if value is None else value


class CsvWriter:
    """UTF-8 with BOM, «;»-separated (Excel in ru/kk locales): one file per key or one."""

    def __init__(self, headers: Sequence[str], paths: dict[str | None, Path]) -> None:
        self.files: dict[str | None, TextIO] = {}
        self.writers: dict[str | None, Any] = {}
        for key, path in paths.items():
            handle = path.open("w", encoding="utf-8-sig", newline="")
            self.files[key] = handle
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(headers)
            self.writers[key] = writer
        self.single = len(paths) == 1

    def write(self, chunk: Sequence[tuple[str | None, Sequence[Any]]]) -> None:
        only = next(iter(self.writers.values()))
        for key, row in chunk:
            writer = only if self.single else self.writers.get(key, only)
            writer.writerow([csv_value(v) for v in row])

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()
