"""Deterministic data for the import benchmark: a unit, its people, and an xlsx of N claims.

Everything is derived from the row number (no randomness), so two runs make the same data:
people have valid ID numbers (``xueshi.core.testing.make_id_number``, born 1985 or later) and
are written with bulk inserts; the workbook is written in openpyxl's write-only mode with the
headers of the unit's real import template. Every ``bad_every``-th row names an unknown
category, so the error path is exercised too.

    from bench.generate import generate_unit, write_claims_xlsx
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from xueshi.accounts.models import Person, RoleAssignment, RoleKind, Sex, User
from xueshi.core.identifiers import id_number_birth_date
from xueshi.core.testing import make_credit_code, make_id_number
from xueshi.imports.columns import claim_columns
from xueshi.imports.services import unit_version
from xueshi.orgs.models import Organization
from xueshi.orgs.services import organization_create

REGION_CODE = "450102"  # 南宁市兴宁区: a county code in use since before 1985
UNIT_NAME = "基准测试大学"
AUTHORITY_NAME = "基准测试人力资源和社会保障局"
ADMIN_USERNAME = "bench_admin"
BIRTH_START = datetime.date(1985, 1, 1)


@dataclass(frozen=True)
class BenchUnit:
    unit: Organization
    role: RoleAssignment
    id_numbers: list[str]
    names: list[str]


def person_id_number(index: int) -> str:
    # make_id_number keeps 500 order numbers per birth date; move to the next day after 500.
    birth = BIRTH_START + datetime.timedelta(days=index // 500)
    return make_id_number(REGION_CODE, birth, index % 500, female=index % 2 == 1)


def person_name(index: int) -> str:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    return surnames[index % 20] + given[index // 20 % 20] + given[index // 400 % 20]


@transaction.atomic
def generate_unit(people: int) -> BenchUnit:
    """The unit (Guangxi rules), its main admin, and `people` professionals (bulk insert)."""
    unit = Organization.objects.filter(name=UNIT_NAME).first()
    if unit is None:
        # Only an authority may be a root; it carries the region's rules (Guangxi).
        authority = organization_create(
            kind="authority",
            name=AUTHORITY_NAME,
            region_code="450000",
            credit_code=make_credit_code("450000", 987_653, category="11"),
            policy_profile="guangxi",
        )
        unit = organization_create(
            kind="unit",
            name=UNIT_NAME,
            region_code=REGION_CODE,
            parent=authority,
            credit_code=make_credit_code(REGION_CODE, 987_654, category="12"),
        )
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user = User.objects.create(username=ADMIN_USERNAME, full_name=f"{UNIT_NAME}管理员")
    role, _ = RoleAssignment.objects.get_or_create(
        user=user, kind=RoleKind.UNIT_ADMIN, organization=unit
    )
    id_numbers = [person_id_number(i) for i in range(people)]
    names = [person_name(i) for i in range(people)]
    existing = set(Person.objects.filter(unit=unit).values_list("id_number", flat=True).iterator())
    Person.objects.bulk_create(
        (
            Person(
                id_number=id_number,
                name=name,
                birth_date=id_number_birth_date(id_number),
                sex=Sex.MALE if int(id_number[16]) % 2 else Sex.FEMALE,
                unit=unit,
            )
            for id_number, name in zip(id_numbers, names, strict=True)
            if id_number not in existing
        ),
        batch_size=2000,
    )
    return BenchUnit(unit, role, id_numbers, names)


def write_claims_xlsx(path: Path, bench: BenchUnit, rows: int, *, bad_every: int = 100) -> Path:
    """N claim rows over the unit's people, in the unit's template columns (write-only)."""
    version = unit_version(bench.unit)
    columns = claim_columns(version)
    leaves = version.leaf_categories()
    year = timezone.localdate().year
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学员培训信息")
    sheet.append([column.header for column in columns])
    people = len(bench.id_numbers)

    def date_cell(value: datetime.date) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell

    for i in range(rows):
        leaf = leaves[i % len(leaves)]
        start = datetime.date(year, 1, 1) + datetime.timedelta(days=i % 300)
        end = start + datetime.timedelta(days=i % 3)
        person = i % people
        values = {
            "id_number": bench.id_numbers[person],
            "name": bench.names[person],
            "category": "不存在的类型"
            if bad_every and i % bad_every == bad_every - 1
            else leaf.full_name,
            "level": leaf.category.levels[0].name,
            "title": f"继续教育活动第{i + 1}项",
            "start_date": date_cell(start),
            "end_date": date_cell(end),
            "hours_claimed": None,
            "credit_year": year,
            "description": "基准测试数据",
            "certificate_number": f"BENCH-{i + 1:07d}",
        }
        sheet.append([values.get(column.key) for column in columns])
    workbook.save(path)
    return path
