"""Reading and checking an import's rows: the chunk outcome, the base importer (cells by
column, ID numbers), cell values converted by column type, and the bad-rows file written
during the one pass over the sheet. What a row *means* is the claims' or staff importer's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from xueshi.accounts.models import RoleAssignment
from xueshi.core.identifiers import clean_id_number

from . import columns as col
from .columns import Column
from .models import ImportBatch, ImportKind, ImportRowError
from .workbooks import BadRowsWriter
from .xlsx import (
    ERROR_COLUMN,
    CellError,
    cell_date,
    cell_text,
    is_blank_row,
)

CHUNK_SIZE = 1000
SHEET_TITLES = {ImportKind.CLAIMS: "学员培训信息", ImportKind.STAFF: "人员信息"}


@dataclass
class RowOutcome:
    created: int = 0
    skipped: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    error_rows: int = 0


def chunks(
    rows: Iterator[tuple[int, list[Any]]], size: int
) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        if is_blank_row(row[1]):
            continue
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def error_file_name(batch: ImportBatch) -> str:
    return f"{SHEET_TITLES[ImportKind(batch.kind)]}-错误行-{batch.pk}.xlsx"


class BadRowsFile:
    """The bad rows of a batch as an xlsx to fix and upload again: the original cells (up to
    the last named column) and a 错误原因 column, written during the import's one pass."""

    def __init__(self, headers: Sequence[str], sheet_title: str):
        width = len(headers)
        while width and not headers[width - 1]:
            width -= 1
        kept = list(headers[:width])
        # A bad-rows file uploaded again: its old reasons make way for the new ones.
        self.drop = kept.index(ERROR_COLUMN) if ERROR_COLUMN in kept else None
        self.width = width
        self.names = [h for i, h in enumerate(kept) if i != self.drop]
        self.sheet_title = sheet_title
        self.writer: BadRowsWriter | None = None

    def add(
        self, chunk: Sequence[tuple[int, Sequence[Any]]], errors: Sequence[ImportRowError]
    ) -> None:
        if not errors:
            return
        reasons: dict[int, list[str]] = {}
        for error in errors:  # in row order, as recorded
            reason = f"{error.column}：{error.message}" if error.column else error.message
            reasons.setdefault(error.row_number, []).append(reason)
        if self.writer is None:
            self.writer = BadRowsWriter(self.names, sheet_title=self.sheet_title)
        for number, cells in chunk:
            if number in reasons:
                values = [v for i, v in enumerate(cells[: self.width]) if i != self.drop]
                self.writer.append(values, "；".join(reasons[number]))

    def content(self) -> bytes | None:
        return self.writer.content() if self.writer is not None else None


# --- reading cells -------------------------------------------------------------------------------


class RowImporter:
    columns: dict[str, Column]
    chunk_size = CHUNK_SIZE

    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        self.batch = batch
        self.role = role
        self.actor = batch.created_by
        self.positions = positions

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        raise NotImplementedError

    def raw(self, cells: Sequence[Any], key: str) -> Any:
        index = self.positions.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if value == "" else value

    def text(self, cells: Sequence[Any], key: str) -> str:
        return cell_text(self.raw(cells, key))

    def header(self, key: str) -> str:
        column = self.columns.get(key)
        return column.header if column is not None else ""

    def id_text(self, cells: Sequence[Any]) -> str:
        """The ID number as typed, compacted (not yet checked)."""
        value = self.raw(cells, col.ID_NUMBER)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Typed as a number: Excel kept only 15 significant digits.
            raise ValidationError(
                "证件号码被保存为数字，后几位已丢失：请将该列设为文本格式后重新填写。"
            )
        return cell_text(value).replace(" ", "").upper()

    def id_number(self, cells: Sequence[Any]) -> str:
        return clean_id_number(self.id_text(cells))


def error_messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m).rstrip("。") for m in error.messages]
    return [str(error).rstrip("。") or "无权操作"]


def convert_cell(column: Column, value: Any) -> Any:
    if column.kind == "date":
        return cell_date(value, column.header)
    if column.kind in ("integer", "year"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = cell_text(value)
        try:
            return int(Decimal(text)) if Decimal(text) == int(Decimal(text)) else text
        except (InvalidOperation, ValueError):
            return text  # the validator says what is wrong with it
    if column.kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(str(value))
        return cell_text(value)
    if column.kind == "boolean":
        return yes_no(value, column.header)
    return cell_text(value)


def yes_no(value: Any, label: str) -> bool:
    text = cell_text(value)
    if text in ("是", "Y", "y", "1", "TRUE", "True", "true"):
        return True
    if text in ("否", "N", "n", "0", "FALSE", "False", "false", ""):
        return False
    raise CellError(f"{label}请填写“是”或“否”")
