"""导入人员信息: each row becomes a person of the unit (with a login), or is skipped when the
person is already in this unit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.services import person_create
from xueshi.core.identifiers import clean_phone
from xueshi.orgs.models import Department

from . import columns as col
from .columns import staff_columns
from .models import ImportBatch, ImportRowError
from .rows import RowImporter, RowOutcome, error_messages, yes_no
from .xlsx import CellError


class StaffImporter(RowImporter):
    # Each new login hashes its initial password (slow on purpose): small chunks keep the
    # chunk's transaction, and SQLite's write lock, short.
    chunk_size = 20

    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        super().__init__(batch, role, positions)
        self.departments = {d.name: d for d in Department.objects.filter(unit=batch.unit)}
        self.columns = {c.key: c for c in staff_columns(list(self.departments))}

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        outcome = RowOutcome()
        ids: dict[int, str] = {}
        bad: dict[int, list[tuple[str, str]]] = {}
        for row_number, cells in chunk:
            try:
                ids[row_number] = self.id_number(cells)
            except ValidationError as error:
                bad.setdefault(row_number, []).extend(
                    ("证件号码", m) for m in error_messages(error)
                )
        known = {
            p.id_number: p
            for p in Person.objects.select_related("unit").by_id_numbers(set(ids.values()))
        }
        for row_number, cells in chunk:
            id_number = ids.get(row_number)
            if id_number is None:
                continue
            problems = self.import_row(id_number, cells, known)
            if problems is None:
                outcome.created += 1
            elif problems == []:
                outcome.skipped += 1
            else:
                bad[row_number] = problems
        for row_number, problems in sorted(bad.items()):
            outcome.error_rows += 1
            outcome.errors.extend(
                ImportRowError(batch=self.batch, row_number=row_number, column=c, message=m[:500])
                for c, m in problems
            )
        return outcome

    def import_row(
        self, id_number: str, cells: list[Any], known: dict[str, Person]
    ) -> list[tuple[str, str]] | None:
        """None: created; []: already in this unit; else the problems."""
        existing = known.get(id_number)
        if existing is not None:
            if existing.unit_id == self.batch.unit_id:
                return []
            where = existing.unit.name if existing.unit else "其他单位（未选择工作单位）"
            return [
                ("证件号码", f"该人员已登记在{where}，不能导入；请其本人在“我的信息”中变更工作单位")
            ]
        problems: list[tuple[str, str]] = []
        name = self.text(cells, col.NAME)
        if not name:
            problems.append(("姓名", "请填写姓名"))
        elif len(name) > 50:
            problems.append(("姓名", "姓名最多 50 个字"))
        phone = self.text(cells, col.PHONE)
        if phone:
            try:
                phone = clean_phone(phone)
            except ValidationError as error:
                problems.extend(("联系电话", m) for m in error_messages(error))
        department_name = self.text(cells, col.DEPARTMENT)
        department = self.departments.get(department_name) if department_name else None
        if department_name and department is None:
            problems.append(
                ("部门", f"本单位没有部门“{department_name}”，请先在单位部门管理中建立")
            )
        try:
            in_establishment = yes_no(self.raw(cells, col.IN_ESTABLISHMENT), "在编")
        except CellError as error:
            problems.append(("在编", str(error)))
            in_establishment = False
        if problems:
            return problems
        try:
            person = person_create(
                id_number=id_number,
                name=name,
                phone=phone,
                unit=self.batch.unit,
                department=department,
                in_establishment=in_establishment,
                can_log_in=True,
                actor=self.actor,
            )
        except ValidationError as error:
            if Person.objects.by_id_number(id_number).filter(unit=self.batch.unit).exists():
                return []
            return [("", m) for m in error_messages(error)]
        known[id_number] = person
        return None
