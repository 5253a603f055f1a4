"""Ledger figures for a person across two years: general records, approved, returned and
deleted claims; the rebuild equals the stored sums; caps; compliance; idempotent import."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.ledger.models import GeneralRecord, LedgerEntry, YearTotal
from xueshi.ledger.selectors import person_years, year_compliance
from xueshi.ledger.services import GeneralRecordRow, general_records_import, ledger_rebuild
from xueshi.review.services import (
    approved_declaration_delete,
    declaration_approve,
    declaration_return,
    declaration_submit,
)

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


def anyang_claim(demo, *, courses: int, credit_year: int = THIS_YEAR):
    role = demo.professional("李明")
    declaration = declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {
                "credit_year": credit_year,
                "description": f"学位课程 {courses} 门",
                "quantity": courses,
            },
        ),
        actor=role.user,
        role=role,
    )
    return declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)


def approve_all(demo, declaration):
    for username in ("ay_yiyuan", "ay_weijian", "ay_xiehui"):
        reviewer = demo.role(username)
        declaration = declaration_approve(
            declaration_id=declaration.pk, actor=reviewer.user, role=reviewer
        )
    return declaration


def general(demo, record_id: str, hours: str, completed_on: datetime.date, name="李明"):
    person = demo.person(name)
    return GeneralRecordRow(
        row_number=2,
        id_number=person.id_number,
        name=person.name,
        course="公需科目：数字经济",
        hours=hours,
        completed_on=completed_on,
        provider="河南专技在线",
        record_id=record_id,
    )


@pytest.fixture
def ledger_person(demo):
    """李明: general records in two years, one approved, one returned, one deleted claim."""
    report = general_records_import(
        rows=[
            general(demo, "A-1", "20", datetime.date(THIS_YEAR, 3, 1)),
            general(demo, "A-2", "12", datetime.date(LAST_YEAR, 6, 1)),
        ]
    )
    assert report.created == 2 and report.ok
    approve_all(demo, anyang_claim(demo, courses=4))  # 60
    # 30, turned down: Anyang's reviewers return (they have no 不予认定), nothing is counted.
    returned = anyang_claim(demo, courses=2)
    unit = demo.role("ay_yiyuan")
    declaration_return(declaration_id=returned.pk, actor=unit.user, role=unit, reason="材料不全")
    deleted = approve_all(demo, anyang_claim(demo, courses=1))  # 15, then deleted
    approved_declaration_delete(
        declaration_id=deleted.pk, actor=unit.user, role=unit, reason="重复申报"
    )
    approve_all(demo, anyang_claim(demo, courses=3, credit_year=LAST_YEAR))  # 45 last year
    return demo.person("李明")


def test_figures_per_year(ledger_person):
    this_year = year_compliance(ledger_person, THIS_YEAR)
    assert this_year.general_hours == Decimal(20)
    assert this_year.professional_hours == Decimal(60)
    assert this_year.total_hours == Decimal(80)
    last_year = year_compliance(ledger_person, LAST_YEAR)
    assert (last_year.general_hours, last_year.professional_hours) == (Decimal(12), Decimal(45))
    assert [row.credit_year for row in person_years(ledger_person)] == [THIS_YEAR, LAST_YEAR]


def test_deletion_is_an_entry_not_an_erasure(ledger_person):
    entries = LedgerEntry.objects.filter(person=ledger_person, credit_year=THIS_YEAR)
    assert sorted(entries.values_list("hours", flat=True)) == [
        Decimal(-15),
        Decimal(15),
        Decimal(20),
        Decimal(60),
    ]


def test_rebuild_equals_stored(ledger_person):
    assert ledger_rebuild() == []
    # Corrupt a stored figure: the rebuild finds it and, asked to, repairs it.
    YearTotal.objects.filter(person=ledger_person, credit_year=THIS_YEAR).update(
        professional_hours=999
    )
    mismatches = ledger_rebuild(fix=True)
    assert [(m.credit_year, m.stored[1], m.from_entries[1]) for m in mismatches] == [
        (THIS_YEAR, Decimal(999), Decimal(60))
    ]
    assert ledger_rebuild() == []


def test_compliance_badge_and_shortfall(ledger_person, demo):
    this_year = year_compliance(ledger_person, THIS_YEAR)
    assert not this_year.met  # 80 of 90
    assert "总学时差 10" in this_year.shortfalls
    general_records_import(rows=[general(demo, "A-3", "10", datetime.date(THIS_YEAR, 9, 1))])
    assert year_compliance(ledger_person, THIS_YEAR).met


@pytest.fixture
def anyang_with_cap(settings, tmp_path):
    """The bundled profiles, with a 120-hour yearly cap on Anyang's degree education."""
    import shutil

    import yaml

    from xueshi.policy.loader import profiles_dir, reload_profiles

    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "anyang.yaml").read_text(encoding="utf-8"))
    for category in data["versions"][-1]["categories"]:
        if category["code"] == "degree_education":
            category["yearly_cap_hours"] = 120
    (tmp_path / "anyang.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()
    yield
    settings.POLICY_PROFILES_DIR = profiles_dir()
    reload_profiles()


def test_yearly_cap_per_category_is_applied(demo, anyang_with_cap):
    """A cap limits what counts toward the requirement, not what is recorded."""
    person = demo.person("李明")
    # Both declared before either was approved, so each was within the cap when declared.
    first, second = anyang_claim(demo, courses=6), anyang_claim(demo, courses=6)  # 90 + 90
    approve_all(demo, first)
    approve_all(demo, second)  # 180 granted in the category
    compliance = year_compliance(person, THIS_YEAR)
    assert compliance.professional_claimed == Decimal(180)
    assert compliance.professional_hours == Decimal(120)


def test_reimport_changes_nothing_and_unknown_id_is_reported(demo):
    rows = [general(demo, "B-1", "6", datetime.date(THIS_YEAR, 1, 5))]
    assert general_records_import(rows=rows).created == 1
    again = general_records_import(rows=rows)
    assert (again.created, again.unchanged) == (0, 1)
    assert GeneralRecord.objects.filter(record_id="B-1").count() == 1
    assert LedgerEntry.objects.filter(general_record__record_id="B-1").count() == 1
    stranger = GeneralRecordRow(
        3, "11010519491231002X", "某某", "课", "3", "2026-01-01", "P", "X-9"
    )
    report = general_records_import(rows=[stranger])
    assert report.created == 0
    assert report.problems == [(3, "身份证号 11010519491231002X 在平台中不存在。")]
