"""The flat catalogue file: its columns and reading/writing it as CSV or XLSX.

One row per procedure; nested parts (components, form, process) are JSON text in their cells and
result documents are separated by ``|``. The header row holds the column names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError

COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "sector_code",
    "sector_name",
    "levels",
    "receiving_agency",
    "deciding_agency",
    "processing_days",
    "processing_hours",
    "fee_vnd",
    "fee_note",
    "online_mode",
    "legal_basis",
    "results",
    "delivery",
    "components",
    "form",
    "process",
    "code_verified",
)
# Columns a file may leave out (older files, hand-made files).
OPTIONAL_COLUMNS = frozenset({"code_verified", "delivery", "fee_note", "legal_basis"})
NUMBER_COLUMNS = frozenset({"processing_days", "processing_hours", "fee_vnd"})

PathOrFile = str | Path | IO[Any]


def cell_text(value: Any) -> str:
    """A cell as text: None → "", 15.0 → "15", everything else ``str`` and stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return str(Decimal(repr(value)))
    return str(value).strip()


def _check_header(header: list[str]) -> list[str]:
    names = [cell_text(name) for name in header]
    missing = [name for name in COLUMNS if name not in names and name not in OPTIONAL_COLUMNS]
    if missing:
        raise DomainError(
            "invalid_file",
            _("The file lacks the column(s): %(columns)s.") % {"columns": ", ".join(missing)},
            missing=missing,
        )
    return names


def _read_text(file: PathOrFile) -> str:
    if isinstance(file, str | Path):
        data: str | bytes = Path(file).read_bytes()
    else:
        data = file.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError(
                "invalid_file", _("The file is not UTF-8 text: save it as “CSV UTF-8”.")
            ) from None
    return data.removeprefix("\ufeff")


def read_csv(file: PathOrFile) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file (with or without BOM, comma or semicolon separated)."""
    text = _read_text(file)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError("invalid_file", _("The file is empty.")) from None
    names = _check_header(header)
    rows = []
    for values in reader:
        if not any(cell.strip() for cell in values):
            continue
        rows.append(
            {
                name: (values[index] if index < len(values) else "")
                for index, name in enumerate(names)
            }
        )
    return rows


def write_csv(file: PathOrFile, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as UTF-8 CSV with a BOM (so spreadsheet programs read Vietnamese right)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: cell_text(row.get(name)) for name in COLUMNS})
        count += 1
    data = "\ufeff" + buffer.getvalue()
    if isinstance(file, str | Path):
        Path(file).write_bytes(data.encode("utf-8"))
    elif isinstance(file, io.TextIOBase):
        file.write(data)
    else:
        file.write(data.encode("utf-8"))
    return count


def read_xlsx(file: PathOrFile) -> list[dict[str, str]]:
    """Rows of the first sheet of an XLSX workbook (header in the first row)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise DomainError(
            "invalid_file",
            _("The file is not a readable XLSX workbook: %(error)s") % {"error": exc},
        ) from None
    try:
        sheet = workbook.worksheets[0]
        values_iter: Iterator[tuple] = sheet.iter_rows(values_only=True)
        try:
            header = list(next(values_iter))
        except StopIteration:
            raise DomainError("invalid_file", _("The file is empty.")) from None
        names = _check_header(header)
        rows = []
        for values in values_iter:
            cells = [cell_text(value) for value in values]
            if not any(cells):
                continue
            rows.append(
                {
                    name: (cells[index] if index < len(cells) else "")
                    for index, name in enumerate(names)
                    if name
                }
            )
        return rows
    finally:
        workbook.close()


def _xlsx_value(name: str, value: Any) -> Any:
    text = cell_text(value)
    if name in NUMBER_COLUMNS and text:
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)
    return text


def write_xlsx(file: PathOrFile, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to a one-sheet XLSX workbook; codes stay text, numbers are numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "catalogue"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        sheet.append([_xlsx_value(name, row.get(name)) for name in COLUMNS])
        count += 1
    code_column = sheet.column_dimensions["A"]
    code_column.width = 24
    sheet.column_dimensions["B"].width = 60
    sheet.freeze_panes = "A2"
    for cells in sheet.iter_rows(min_row=2, max_col=1):
        cells[0].number_format = "@"
    workbook.save(file)
    return count
