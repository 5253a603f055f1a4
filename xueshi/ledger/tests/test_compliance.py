"""One 达标 (issue 12 part 3): the statistics page and the person's page agree, caps included;
a category code no profile version knows is shown as such and counted, never a crash (11.7)."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal

import pytest
import yaml
from django.urls import reverse

from xueshi.declarations.models import Declaration
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.ledger.models import LedgerEntry
from xueshi.ledger.selectors import year_compliance
from xueshi.ledger.services import general_records_import
from xueshi.policy.loader import profiles_dir, reload_profiles

from .test_ledger import THIS_YEAR, anyang_claim, approve_all, general


@pytest.fixture
def anyang_degree_cap_30(settings, tmp_path) -> Iterator[None]:
    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "anyang.yaml").read_text(encoding="utf-8"))
    for category in data["versions"][-1]["categories"]:
        if category["code"] == "degree_education":
            category["yearly_cap_hours"] = 30
    (tmp_path / "anyang.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()
    yield
    reload_profiles()


def _statistics_row(client, demo, unit_name: str):
    act_as(client, demo.role("ay_xiehui"))
    response = client.get(
        reverse("reports:statistics_section", args=["compliance"]), {"year": THIS_YEAR}
    )
    assert response.status_code == 200
    return next(row for row in response.context["page"] if row.unit_name == unit_name)


def test_statistics_and_the_persons_page_agree_when_a_category_cap_cuts(
    client, demo, anyang_degree_cap_30
):
    """李明: 30 general + 60 professional approved in a category capped at 30 a year (two
    claims sent before either was approved). Recorded 90 ≥ 90, but only 60 count: not 达标 on
    his page, nor now in the statistics (which compared the recorded total with 90: 达标)."""
    person = demo.person("李明")
    general_records_import(rows=[general(demo, "C-1", "30", datetime.date(THIS_YEAR, 3, 1))])
    first, second = anyang_claim(demo, courses=2), anyang_claim(demo, courses=2)  # 30 + 30
    approve_all(demo, first)
    approve_all(demo, second)

    act_as(client, demo.professional("李明"))
    page = client.get(reverse("ledger:my_years"), {"year": THIS_YEAR})
    chosen = page.context["chosen"]
    assert (chosen.professional_claimed, chosen.professional_hours) == (Decimal(60), Decimal(30))
    assert not chosen.met
    assert "未达标" in page.content.decode()

    row = _statistics_row(client, demo, person.unit.name)
    assert row.met == 0  # agrees with his page


def test_a_category_code_no_version_knows_is_shown_and_counted(client, demo):
    """Issue 11.7: /ledger/ answered 500 (KeyError: 未知的申报类型) for such entries."""
    claim = approve_all(demo, anyang_claim(demo, courses=2))  # 30
    Declaration.objects.filter(pk=claim.pk).update(category_code="retired_form")
    LedgerEntry.objects.filter(declaration=claim).update(category_code="retired_form")

    act_as(client, demo.professional("李明"))
    response = client.get(reverse("ledger:my_years"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "未知类型（retired_form）" in html
    assert response.context["chosen"].professional_hours == Decimal(30)
    assert year_compliance(demo.person("李明"), THIS_YEAR).total_hours == Decimal(30)
