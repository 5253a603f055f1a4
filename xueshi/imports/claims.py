"""导入学员培训信息: each chunk of rows becomes draft claims, checked by the same rules as
``declarations.services.declaration_save`` (``declaration_prepare``: the same profile version
choice, scope, validator, credit years and hours calculator), with at most one query per chunk
for the people not yet seen in the file (people and their units are kept for the whole file),
and written with bulk inserts (``core.bulk``) in one transaction with their fingerprints. If a
chunk's insert fails (another import created the same row meanwhile), the chunk is redone row
by row through ``declaration_prepare``, each row in its own transaction. Fingerprints (person,
category, level, dates, title, year) are unique per unit, so importing the same rows again
creates nothing new."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, id_numbers_q
from xueshi.accounts.permissions import people_in_scope
from xueshi.core.bulk import insert_many, insert_returning_ids
from xueshi.core.identifiers import clean_id_number
from xueshi.declarations.models import Declaration
from xueshi.declarations.rules import rules_date
from xueshi.declarations.services import (
    ROLE_MAY_NOT_DECLARE,
    DeclarationInput,
    DeclaringLookups,
    credit_year_of,
    declaration_prepare,
    hours_already_granted_many,
)
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import FieldSpec, LeafCategory, ProfileVersion

from . import columns as col
from .columns import claim_columns
from .models import ImportBatch, ImportedRow, ImportRowError
from .rows import RowImporter, RowOutcome, convert_cell, error_messages
from .xlsx import CellError

OUT_OF_SCOPE = "该人员不在您的管理范围内"


def unit_version(unit: Organization, on_date: datetime.date | None = None) -> ProfileVersion:
    key = unit.effective_policy_profile()
    if not key:
        raise ValidationError("本单位未设置适用的学时认定细则，请联系平台管理员。")
    return resolve_version(key, on_date or timezone.localdate())


@dataclass
class ParsedRow:
    """A row read into declaration inputs, before the rules are applied."""

    row_number: int
    person: Person
    data: DeclarationInput
    credit_year: int
    shown: dict[str, FieldSpec]


@dataclass
class PreparedClaim:
    row_number: int
    person: Person
    data: DeclarationInput
    declaration: Declaration
    fingerprint: str


class ClaimsImporter(RowImporter):
    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        super().__init__(batch, role, positions)
        self.version_today = unit_version(batch.unit)
        self.columns = {c.key: c for c in claim_columns(self.version_today)}
        self.field_columns = {
            key: column
            for key, column in self.columns.items()
            if key not in (col.ID_NUMBER, col.NAME, col.CATEGORY, col.LEVEL)
        }
        # Only the role's own people are fetched, through its scope; the parts of the person
        # the rules read are its unit and its name. Each person is fetched once per file (a
        # person usually has several rows, in several chunks), and the people of one unit
        # share one instance of it, fetched once.
        self.scope = people_in_scope(role).select_related(None)
        self._people: dict[str, Person] = {}  # id number → person in the role's scope
        self._units: dict[int, Organization] = {}
        self.today = timezone.localdate()
        # Lookups (profile keys, versions, credit years, people in scope) for the whole file.
        self.lookups = DeclaringLookups()
        self._leaf_names: dict[int, dict[str, LeafCategory | None]] = {}
        self._shown: dict[tuple[int, str], dict[str, FieldSpec]] = {}

    # lookups cached for the whole file

    def leaf_by_name(self, version: ProfileVersion, text: str) -> LeafCategory | None:
        names = self._leaf_names.get(id(version))
        if names is None:
            names = {}
            for leaf in version.leaf_categories():
                names[leaf.full_name] = leaf
                names[leaf.code] = leaf
                # A second-level name alone, if no other category uses it.
                short = leaf.category.name
                names[short] = None if short in names and names[short] is not leaf else leaf
            self._leaf_names[id(version)] = names
        compact = text.replace(" ", "").replace("－", "-").replace("—", "-")
        return names.get(text) or names.get(compact)

    def shown_fields(self, version: ProfileVersion, category_code: str) -> dict[str, FieldSpec]:
        shown = self._shown.get((id(version), category_code))
        if shown is None:
            shown = {name: spec for name, spec, _required in version.fields_for(category_code)}
            self._shown[(id(version), category_code)] = shown
        return shown

    def people_for(self, id_numbers: set[str]) -> dict[str, Person]:
        """The people in the role's scope with these ID numbers (exact match), each with its
        unit; only those not yet seen in this file are queried."""
        unseen = id_numbers - self._people.keys()
        if unseen:
            fetched = list(self.scope.filter(id_numbers_q(unseen)))
            unit_ids = {p.unit_id for p in fetched if p.unit_id is not None} - self._units.keys()
            if unit_ids:
                # As select_related("unit") would load them (the base manager, all fields).
                self._units.update(Organization._base_manager.in_bulk(unit_ids))
            for person in fetched:
                unit = self._units.get(person.unit_id) if person.unit_id is not None else None
                if unit is not None:
                    person.unit = unit
                elif person.unit_id is None:
                    person.unit = None
                self._people[person.id_number] = person
            # Fetched through the role's scope: declaration_prepare need not ask again.
            self.lookups.in_scope.update(person.pk for person in fetched)
        return {i: self._people[i] for i in id_numbers if i in self._people}

    # the rows

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        outcome = RowOutcome()
        bad: dict[int, list[tuple[str, str]]] = {}

        def fail(row_number: int, column: str, message: str) -> None:
            bad.setdefault(row_number, []).append((column, message))

        # A person's stored ID number was checked when they were added, so an exact match
        # needs no second check; only the others go through the full check for the reason.
        texts: dict[int, str] = {}
        for row_number, cells in chunk:
            try:
                texts[row_number] = self.id_text(cells)
            except ValidationError as error:
                for message in error_messages(error):
                    fail(row_number, "证件号码", message)
        people = self.people_for(set(texts.values()))
        ids: dict[int, str] = {}
        for row_number, text in texts.items():
            if text in people:
                ids[row_number] = text
                continue
            try:
                ids[row_number] = clean_id_number(text)
            except ValidationError as error:
                for message in error_messages(error):
                    fail(row_number, "证件号码", message)
        missing = {id_number for id_number in ids.values() if id_number not in people}
        elsewhere: set[str] = set()
        if missing:
            people.update(self.people_for(missing))
            elsewhere = set(
                Person.objects.by_id_numbers(missing - people.keys()).values_list(
                    "id_number", flat=True
                )
            )
        parsed: list[ParsedRow] = []
        for row_number, cells in chunk:
            id_number = ids.get(row_number)
            if id_number is None:
                continue
            person = people.get(id_number)
            if person is None:
                fail(
                    row_number,
                    "证件号码",
                    OUT_OF_SCOPE
                    if id_number in elsewhere
                    else "未找到该证件号码的专业技术人员，请先导入人员信息",
                )
                continue
            row = self.parse(row_number, cells, person, fail)
            if row is not None:
                parsed.append(row)

        # The yearly category caps: what each person already has, in one query per chunk.
        already = hours_already_granted_many(
            (row.person.pk, row.credit_year, row.data.category_code) for row in parsed
        )
        prepared: list[PreparedClaim] = []
        for row in parsed:
            claim = self.prepare(row, already, fail)
            if claim is not None:
                prepared.append(claim)

        fresh = self._drop_duplicates(prepared, outcome)
        if fresh:
            try:
                self._write(fresh)
            except IntegrityError:
                # Someone imported some of these rows meanwhile: row by row, each atomic.
                fresh = self._write_one_by_one(fresh, outcome, fail)
            outcome.created += len(fresh)

        for row_number, problems in sorted(bad.items()):
            outcome.error_rows += 1
            for column, message in problems:
                outcome.errors.append(
                    ImportRowError(
                        batch=self.batch,
                        row_number=row_number,
                        column=column,
                        message=message[:500],
                    )
                )
        return outcome

    def parse(
        self,
        row_number: int,
        cells: list[Any],
        person: Person,
        fail: Callable[[int, str, str], None],
    ) -> ParsedRow | None:
        """The row's cells as declaration inputs: category and level found by name, values
        converted by column type. The rules themselves are declaration_prepare's."""
        failed = False

        def error(column: str, message: str) -> None:
            nonlocal failed
            failed = True
            fail(row_number, column, message)

        name = self.text(cells, col.NAME)
        if name and name.replace(" ", "") != person.name.replace(" ", ""):
            error("姓名", f"姓名“{name}”与证件号码登记的姓名“{person.name}”不一致")
        category_text = self.text(cells, col.CATEGORY)
        if not category_text:
            error("认定类型", "请填写认定类型")
            return None
        if "公需" in category_text:
            error("认定类型", "公需科目学时无需导入，系统将根据学习完成情况自动计算")
            return None

        raw_fields: dict[str, Any] = {}
        for key, column in self.field_columns.items():
            value = self.raw(cells, key)
            if value is None:
                continue
            try:
                raw_fields[key] = convert_cell(column, value)
            except CellError as problem:
                error(column.header, str(problem))
        year_value = raw_fields.get("credit_year")
        if year_value is not None and not (
            isinstance(year_value, int) and 1900 < year_value < 3000
        ):
            error(self.header("credit_year") or "计入年度", "计入年度应为四位数年份，例如 2025")
        if failed:
            return None
        try:
            key = self.lookups.profile_key(person, self.role.organization)
        except ValidationError as problem:
            error("证件号码", error_messages(problem)[0])
            return None
        version = self.lookups.version(
            key,
            rules_date(
                credit_year=credit_year_of(raw_fields, self.today),
                start_date=raw_fields.get("start_date"),
            ),
        )
        leaf = self.leaf_by_name(version, category_text)
        if leaf is None:
            error("认定类型", f"认定类型“{category_text}”不存在")
            return None
        level_text = self.text(cells, col.LEVEL)
        levels = leaf.category.levels
        level = next((lv for lv in levels if level_text in (lv.name, lv.code)), None)
        if not level_text and len(levels) == 1:
            level = levels[0]
        if level is None:
            names = "、".join(lv.name for lv in levels)
            reason = "请选择申报等级" if not level_text else f"申报等级“{level_text}”不存在"
            error("申报等级", f"{reason}（可选：{names}）")
            return None

        # The template has every category's columns: keep those this category asks for (and
        # the credit year, which every claim has).
        shown = self.shown_fields(version, leaf.code)
        fields = {
            name: value
            for name, value in raw_fields.items()
            if name in shown or name == "credit_year"
        }
        return ParsedRow(
            row_number,
            person,
            DeclarationInput(leaf.code, level.code, fields, pledge=False),
            credit_year_of(fields, self.today),
            shown,
        )

    def prepare(
        self,
        row: ParsedRow,
        already: dict[tuple[int, int, str], Decimal],
        fail: Callable[[int, str, str], None],
    ) -> PreparedClaim | None:
        """declaration_save's rules (declaration_prepare), with the per-row queries answered
        from the chunk's."""
        try:
            declaration = declaration_prepare(
                person=row.person,
                data=row.data,
                actor=self.actor,
                role=self.role,
                today=self.today,
                hours_already=already.get(
                    (row.person.pk, row.credit_year, row.data.category_code), Decimal(0)
                ),
                lookups=self.lookups,
            )
        except PermissionDenied as denied:
            column = "认定类型" if str(denied) == ROLE_MAY_NOT_DECLARE else "证件号码"
            for message in error_messages(denied):
                fail(row.row_number, column, message)
            return None
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field_name, messages in invalid.message_dict.items():
                    column_header = self._column_for_field(field_name, row.shown)
                    for message in messages:
                        fail(row.row_number, column_header, str(message).rstrip("。"))
            else:
                for message in error_messages(invalid):
                    fail(row.row_number, "", message)
            return None
        return PreparedClaim(
            row.row_number,
            row.person,
            row.data,
            declaration,
            claim_fingerprint(declaration),
        )

    def _column_for_field(self, field_name: str, shown: dict[str, FieldSpec]) -> str:
        if field_name == "category":
            return "认定类型"
        if field_name == "level":
            return "申报等级"
        column = self.columns.get(field_name)
        if column is not None:
            return column.header
        spec = shown.get(field_name)
        return spec.label if spec is not None else ""

    def _drop_duplicates(
        self, prepared: list[PreparedClaim], outcome: RowOutcome
    ) -> list[PreparedClaim]:
        existing = set(
            ImportedRow.objects.filter(
                unit_id=self.batch.unit_id,
                fingerprint__in=[claim.fingerprint for claim in prepared],
            ).values_list("fingerprint", flat=True)
        )
        fresh = []
        for claim in prepared:
            if claim.fingerprint in existing:
                outcome.skipped += 1
                continue
            existing.add(claim.fingerprint)  # the same row twice in one file: once
            fresh.append(claim)
        return fresh

    @transaction.atomic
    def _write(self, claims: list[PreparedClaim]) -> None:
        """The chunk's drafts and their fingerprints. No audit row per draft: the batch is
        audited once (``_audit_batch``) and each draft links back to it via ImportedRow."""
        declarations = [c.declaration for c in claims]
        insert_returning_ids(declarations)
        insert_many(
            ImportedRow,
            IMPORTED_ROW_COLUMNS,
            [
                (self.batch.unit_id, c.fingerprint, self.batch.pk, c.row_number, d.pk)
                for c, d in zip(claims, declarations, strict=True)
            ],
        )

    def _write_one_by_one(
        self,
        claims: list[PreparedClaim],
        outcome: RowOutcome,
        fail: Callable[[int, str, str], None],
    ) -> list[PreparedClaim]:
        created = []
        for claim in claims:
            try:
                with transaction.atomic():
                    if ImportedRow.objects.filter(
                        unit_id=self.batch.unit_id, fingerprint=claim.fingerprint
                    ).exists():
                        outcome.skipped += 1
                        continue
                    # The rules again (the yearly cap may have moved meanwhile), as
                    # declaration_save applies them; audited with the batch, as in _write.
                    declaration = declaration_prepare(
                        person=claim.person,
                        data=claim.data,
                        actor=self.actor,
                        role=self.role,
                        today=self.today,
                        lookups=self.lookups,
                    )
                    declaration.save()
                    ImportedRow.objects.create(
                        unit_id=self.batch.unit_id,
                        fingerprint=claim.fingerprint,
                        batch=self.batch,
                        row_number=claim.row_number,
                        declaration=declaration,
                    )
            except IntegrityError:
                outcome.skipped += 1
            except (ValidationError, PermissionDenied) as error:
                for message in error_messages(error):
                    fail(claim.row_number, "", message)
            else:
                created.append(claim)
        return created


IMPORTED_ROW_COLUMNS = ("unit_id", "fingerprint", "batch_id", "row_number", "declaration_id")


def claim_fingerprint(declaration: Declaration) -> str:
    parts = (
        declaration.person_id,
        declaration.category_code,
        declaration.level_code,
        declaration.start_date,
        declaration.end_date,
        declaration.title.strip(),
        declaration.credit_year,
    )
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
