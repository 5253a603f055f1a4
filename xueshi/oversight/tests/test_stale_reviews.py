"""Stale reviews (issue 18 item 3): a claim past its level's limit is flagged in that level's
queue, its reviewers are reminded once, and past the second limit the level above sees it.

Guangxi (demo): 覃海燕's claim goes to 广西大学 (unit) and then to 广西壮族自治区教育厅 (its
专业科目学时终审), the level above; 南宁市教育局 is another branch. The profile's limits are 15
and 30 days (profiles/guangxi.yaml, oversight). Times are passed in (`now=`), never mocked.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from xueshi.declarations.models import Declaration
from xueshi.notifications.models import Notification, NotificationPreference
from xueshi.orgs.tests.factories import act_as
from xueshi.oversight.models import Reminder, ReminderKind
from xueshi.oversight.selectors import overdue_below
from xueshi.oversight.services import oversight_daily
from xueshi.reports.selectors import Filters, pending_age
from xueshi.review.models import TrailEntry
from xueshi.review.selectors import QueueFilters, review_queue_page
from xueshi.review.services import declaration_approve, declaration_return, declaration_submit
from xueshi.review.tests.test_views import guangxi_claim
from xueshi.review.waiting import overdue_label, oversight_rules

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)


def arrived(claim: Declaration) -> datetime.datetime:
    """When the claim reached its current step: its last submit / approve in the trail."""
    return TrailEntry.objects.filter(declaration=claim).latest("at", "id").at


def flagged(role: Any, now: datetime.datetime) -> list[int]:
    queue = review_queue_page(role, QueueFilters(overdue_only=True), now=now)
    return list(queue.values_list("pk", flat=True))


def backdate(claim: Declaration, days: int) -> None:
    """As if the claim had been sent `days` days ago (for pages and commands that read the
    clock themselves)."""
    TrailEntry.objects.filter(declaration=claim).update(at=F("at") - days * DAY)
    Declaration.objects.filter(pk=claim.pk).update(submitted_at=F("submitted_at") - days * DAY)


def test_a_claim_is_flagged_exactly_when_it_has_waited_the_limit(demo):
    claim = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    since = arrived(claim)
    limit = 15 * DAY  # profiles/guangxi.yaml: oversight.stale_after_days

    assert flagged(unit, since + limit - SECOND) == []
    assert flagged(unit, since + limit) == [claim.pk]
    # Without the filter the queue lists it either way.
    assert claim in review_queue_page(unit, QueueFilters(), now=since)


def test_the_badge_counts_whole_days_beyond_the_limit(demo):
    claim = guangxi_claim(demo)
    since = arrived(claim)
    row = review_queue_page(demo.role("gx_gxu"), now=since).get(pk=claim.pk)
    rules = oversight_rules()
    assert overdue_label(row, since + 15 * DAY - SECOND, rules) == ""
    assert overdue_label(row, since + 15 * DAY, rules) == "今日超期"
    assert overdue_label(row, since + 18 * DAY + SECOND, rules) == "已超期 3 天"


def test_the_clock_restarts_at_the_next_level(demo):
    """Approved by the unit on day 10, the claim waits at the final review from then on."""
    claim = guangxi_claim(demo)
    unit, final = demo.role("gx_gxu"), demo.role("gx_jyt")
    backdate(claim, 10)
    declaration_approve(declaration_id=claim.pk, actor=unit.user, role=unit)
    since = arrived(claim)
    assert flagged(unit, since + 20 * DAY) == []  # no longer the unit's
    assert flagged(final, since + 15 * DAY - SECOND) == []
    assert flagged(final, since + 15 * DAY) == [claim.pk]


def test_the_queue_page_shows_the_badge_and_filters_overdue_claims(client, demo):
    late, fresh = guangxi_claim(demo, title="逾期的培训班"), guangxi_claim(demo, title="新的培训班")
    backdate(late, 17)
    act_as(client, demo.role("gx_gxu"))

    page = client.get(reverse("review:queue")).content.decode()
    assert "已超期 2 天" in page and "逾期的培训班" in page and "新的培训班" in page
    assert "只看超期" in page

    only = client.get(reverse("review:queue"), {"overdue_only": "on"}).content.decode()
    assert "逾期的培训班" in only and "新的培训班" not in only
    assert fresh.pk


def test_escalation_is_seen_by_the_level_above_and_by_nobody_else(demo):
    claim = guangxi_claim(demo)
    since = arrived(claim)
    above, other, top = demo.role("gx_jyt"), demo.role("gx_nnjyj"), demo.role("gx_rst")
    at_limit = since + 30 * DAY  # oversight.escalate_after_days

    assert list(overdue_below(above, at_limit - SECOND)) == []
    rows = list(overdue_below(above, at_limit))
    assert [row.pk for row in rows] == [claim.pk]
    assert rows[0].current_organization_name == "广西大学"
    assert rows[0].current_level_name == "单位审核"
    # Another branch, the authority two levels up, and the waiting unit itself see nothing.
    assert list(overdue_below(other, at_limit)) == []
    assert list(overdue_below(top, at_limit)) == []
    assert list(overdue_below(demo.role("gx_gxu"), at_limit)) == []


def test_at_the_last_level_the_parent_organisation_sees_it(demo):
    """At 教育厅's final review no step follows: its parent in the tree, 人社厅, is above."""
    claim = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=claim.pk, actor=unit.user, role=unit)
    since = arrived(claim)
    assert [row.pk for row in overdue_below(demo.role("gx_rst"), since + 30 * DAY)] == [claim.pk]
    assert list(overdue_below(demo.role("gx_jyt"), since + 30 * DAY)) == []


def test_the_overdue_below_page(client, demo):
    claim = guangxi_claim(demo, title="久未审核的培训班")
    backdate(claim, 31)
    act_as(client, demo.role("gx_jyt"))
    html = client.get(reverse("oversight:overdue_below")).content.decode()
    assert "久未审核的培训班" in html and "广西大学" in html and "已等待 31 天" in html

    act_as(client, demo.role("gx_nnjyj"))
    html = client.get(reverse("oversight:overdue_below")).content.decode()
    assert "久未审核的培训班" not in html and "下级机构暂无超期待审的申报" in html

    act_as(client, demo.role("gx_gxu"))  # a unit has no level below it
    assert client.get(reverse("oversight:overdue_below")).status_code == 403


def test_reviewers_are_reminded_once_and_the_level_above_once(demo):
    claim = guangxi_claim(demo)
    since = arrived(claim)
    unit_users = {demo.user("gx_gxu").pk, demo.person("陈静").user_id, demo.person("黄伟").user_id}
    above_user = demo.user("gx_jyt").pk

    oversight_daily(now=since + 15 * DAY - SECOND)
    assert not Reminder.objects.filter(declaration=claim).exists()

    report = oversight_daily(now=since + 15 * DAY)
    assert (report.stale, report.escalated) == (1, 0)
    told = Notification.objects.filter(message__startswith="审核超期提醒")
    assert set(told.values_list("recipient_id", flat=True)) == unit_users
    assert "广西大学有 1 条学时申报" in told.first().message
    assert not Notification.objects.filter(recipient_id=above_user).exists()

    # The same day again, and the next days: nothing new until the second limit.
    count = Notification.objects.count()
    assert oversight_daily(now=since + 15 * DAY + SECOND).stale == 0
    assert oversight_daily(now=since + 29 * DAY).stale == 0
    assert Notification.objects.count() == count

    report = oversight_daily(now=since + 30 * DAY)
    assert (report.stale, report.escalated) == (0, 1)
    escalated = Notification.objects.get(recipient_id=above_user)
    assert escalated.message.startswith("下级超期待审：广西大学有 1 条学时申报")
    assert escalated.url == reverse("oversight:overdue_below")
    again = oversight_daily(now=since + 30 * DAY)
    assert (again.stale, again.escalated, again.messages) == (0, 0, 0)
    assert Reminder.objects.filter(kind=ReminderKind.STALE).count() == 1
    assert Reminder.objects.filter(kind=ReminderKind.ESCALATED).count() == 1


def test_a_claim_sent_again_after_a_return_may_be_reminded_again(demo):
    claim = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    oversight_daily(now=arrived(claim) + 15 * DAY)
    declaration_return(declaration_id=claim.pk, actor=unit.user, role=unit, reason="补充材料")
    person = demo.professional("覃海燕")
    declaration_submit(declaration_id=claim.pk, actor=person.user, role=person)
    assert oversight_daily(now=arrived(claim) + 15 * DAY).stale == 1
    assert Reminder.objects.filter(kind=ReminderKind.STALE, declaration=claim).count() == 2


def test_a_reviewer_who_opted_in_gets_the_reminder_by_email(demo):
    claim = guangxi_claim(demo)
    user = demo.user("gx_gxu")
    user.email = "shenhe@gxu.example.cn"
    user.save(update_fields=["email"])
    NotificationPreference.objects.create(user=user, by_email=True)
    oversight_daily(now=arrived(claim) + 15 * DAY)
    oversight_daily(now=arrived(claim) + 15 * DAY)
    assert [message.to for message in mail.outbox] == [["shenhe@gxu.example.cn"]]
    assert "审核超期提醒" in mail.outbox[0].body


def test_the_management_command_runs_the_task_once_a_day(demo):
    claim = guangxi_claim(demo)
    backdate(claim, 16)
    call_command("oversight_daily")  # enqueued: the test settings run tasks at once
    call_command("oversight_daily", "--now")
    assert Reminder.objects.filter(kind=ReminderKind.STALE, declaration=claim).count() == 1
    assert Notification.objects.filter(message__startswith="审核超期提醒").count() == 3


def test_the_statistics_page_shows_time_in_level(client, demo):
    """Average and longest wait at the current level, from the arrival there."""
    first, second = guangxi_claim(demo, title="甲"), guangxi_claim(demo, title="乙")
    backdate(first, 20)
    rows = pending_age(demo.role("gx_rst"), Filters(), now=arrived(second) + 2 * DAY)
    (row,) = rows
    assert (row.organization_name, row.level_name, row.count) == ("广西大学", "单位审核", 2)
    assert row.max_days == pytest.approx(22, abs=0.01)
    assert row.average_days == pytest.approx(12, abs=0.01)
    act_as(client, demo.role("gx_rst"))
    html = client.get(reverse("reports:statistics")).content.decode()
    assert "本级停留时间" in html
