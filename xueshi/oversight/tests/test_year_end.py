"""Year-end reminders (issue 18 item 4): from the region's date, a person below the year's
requirement is reminded once with what is missing; the unit lists its people who are short.

Guangxi requires 90 hours a year: 30 general, 60 professional (profiles/guangxi.yaml), and
reminds from 1 November (its oversight section).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.accounts.tests.factories import PersonFactory
from xueshi.core.messaging import OutboxSmsSender
from xueshi.core.models import AuditLog
from xueshi.ledger.models import EntrySource
from xueshi.ledger.services import general_records_import, ledger_record_source
from xueshi.ledger.tests.test_ledger import general
from xueshi.notifications.models import Notification, NotificationPreference
from xueshi.orgs.tests.factories import act_as
from xueshi.oversight import views
from xueshi.oversight.models import Reminder, ReminderKind
from xueshi.oversight.services import oversight_daily
from xueshi.review.models import TrailEntry
from xueshi.review.tests.test_views import guangxi_claim

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
NOVEMBER_15 = datetime.datetime(THIS_YEAR, 11, 15, 9, tzinfo=timezone.get_default_timezone())
OCTOBER_31 = datetime.datetime(THIS_YEAR, 10, 31, 23, tzinfo=timezone.get_default_timezone())


def give_hours(demo: Any, name: str, general_hours: str, professional_hours: str) -> Person:
    """Hours through the ledger's own services: general-subject records, professional hours."""
    person = demo.person(name)
    general_records_import(
        rows=[general(demo, f"G-{person.pk}", general_hours, datetime.date(THIS_YEAR, 3, 1), name)]
    )
    ledger_record_source(
        person_id=person.pk,
        credit_year=THIS_YEAR,
        source_ref=f"test-{person.pk}",
        label="培训班",
        hours_by_category={"training_course": Decimal(professional_hours)},
        source=EntrySource.APPLICATION,
    )
    return person


def reminders_of(person: Person) -> list[str]:
    return list(
        Notification.objects.filter(
            recipient=person.user, message__contains="年度继续教育学时提醒"
        ).values_list("message", flat=True)
    )


def test_a_person_ten_hours_short_gets_one_reminder_with_the_figures(demo):
    person = give_hours(demo, "覃海燕", "30", "50")  # 80 of 90: 10 professional hours short
    oversight_daily(now=NOVEMBER_15)
    oversight_daily(now=NOVEMBER_15 + datetime.timedelta(hours=3))
    oversight_daily(now=NOVEMBER_15 + datetime.timedelta(days=7))
    (message,) = reminders_of(person)
    assert f"{THIS_YEAR}年度继续教育学时提醒" in message
    assert "已取得 80 学时（公需科目 30，专业科目 50）" in message
    assert "年度要求 90 学时，还差 10 学时（其中专业科目至少还差 10 学时）" in message
    assert "公需科目至少还差" not in message
    assert (
        Reminder.objects.filter(
            kind=ReminderKind.YEAR_END, person=person, credit_year=THIS_YEAR
        ).count()
        == 1
    )


def test_nobody_is_reminded_before_the_regions_date_nor_when_the_year_is_met(demo):
    short = give_hours(demo, "覃海燕", "30", "50")
    met = give_hours(demo, "蒙丽", "30", "60")
    oversight_daily(now=OCTOBER_31)
    assert reminders_of(short) == []
    oversight_daily(now=NOVEMBER_15)
    assert len(reminders_of(short)) == 1
    assert reminders_of(met) == []


def test_the_general_and_professional_gaps_are_both_named(demo):
    person = give_hours(demo, "覃海燕", "10", "20")
    oversight_daily(now=NOVEMBER_15)
    (message,) = reminders_of(person)
    assert "还差 60 学时（其中公需科目至少还差 20 学时、专业科目至少还差 40 学时）" in message


def test_the_reminder_goes_by_sms_where_the_person_opted_in(demo):
    person = give_hours(demo, "覃海燕", "30", "50")
    Person.objects.filter(pk=person.pk).update(phone="13800000001")
    NotificationPreference.objects.create(user=person.user, by_sms=True)  # type: ignore[misc]
    OutboxSmsSender.outbox.clear()
    oversight_daily(now=NOVEMBER_15)
    oversight_daily(now=NOVEMBER_15)
    sent = [text for phone, text in OutboxSmsSender.outbox if phone == "13800000001"]
    assert len(sent) == 1 and "还差 10 学时" in sent[0]


def test_the_daily_run_is_audited(demo):
    give_hours(demo, "覃海燕", "30", "50")
    report = oversight_daily(now=NOVEMBER_15)
    log = AuditLog.objects.filter(action="oversight.daily").latest("id")
    assert log.details["year_end"] == report.year_end >= 1


# --- the unit's list ----------------------------------------------------------------------------


def test_the_unit_lists_its_short_people_with_what_they_lack(client, demo):
    give_hours(demo, "覃海燕", "30", "50")
    give_hours(demo, "蒙丽", "30", "60")  # met: not listed
    oversight_daily(now=NOVEMBER_15)
    act_as(client, demo.role("gx_gxu"))
    response = client.get(reverse("oversight:short_people"), {"year": THIS_YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert "覃海燕" in html and "还差 10 学时" in html and "专业 10" in html
    assert "蒙丽" not in html
    assert "已提醒" in html
    # Another unit's people are not on the list; ID numbers are masked.
    assert "梁晓东" not in html
    assert demo.person("覃海燕").id_number not in html


def test_the_short_list_exports_with_masked_id_numbers(client, demo):
    give_hours(demo, "覃海燕", "30", "50")
    act_as(client, demo.role("gx_gxu"))
    response = client.get(
        reverse("oversight:short_people_export"), {"format": "csv", "year": THIS_YEAR}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("姓名,证件号码,部门")
    qin = next(line for line in lines if line.startswith("覃海燕"))
    id_number = demo.person("覃海燕").id_number
    assert id_number not in body and qin.split(",")[1].startswith(id_number[:6])
    assert ",10," in qin  # 还差学时
    assert AuditLog.objects.filter(action__contains="export").exists()


def test_only_unit_admins_see_the_short_list(client, demo):
    act_as(client, demo.professional("覃海燕"))
    assert client.get(reverse("oversight:short_people")).status_code == 403


def test_the_short_list_queries_do_not_grow_with_rows(client, demo, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    unit = demo.organization("广西大学")
    act_as(client, demo.role("gx_gxu"))
    url = reverse("oversight:short_people")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, {"year": THIS_YEAR})
        assert response.status_code == 200
        return len(context.captured_queries), len(response.context["rows"])

    few, few_rows = count()
    PersonFactory.create_batch(20, unit=unit)
    many, many_rows = count()
    assert many_rows == few_rows + 20
    assert few == many


def test_the_overdue_below_queries_do_not_grow_with_rows(client, demo, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    act_as(client, demo.role("gx_jyt"))
    url = reverse("oversight:overdue_below")

    def add(count: int) -> None:
        for index in range(count):
            claim = guangxi_claim(demo, title=f"培训班第{index}期")
            TrailEntry.objects.filter(declaration=claim).update(
                at=timezone.now() - datetime.timedelta(days=40)
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context.captured_queries), len(response.context["rows"])

    add(2)
    few, few_rows = queries()
    add(10)
    many, many_rows = queries()
    assert (few_rows, many_rows) == (2, 12)
    assert few == many
