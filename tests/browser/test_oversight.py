"""Oversight (issue 18 items 3 and 4) in the browser: the queue's 已超期 badge, 下级超期待审 at the
level above, the person's year-end reminder (the bell) and the unit's 学时未达标人员."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xueshi.oversight.services import DailyReport, oversight_daily, year_end_reminders_send
from xueshi.oversight.tests.test_stale_reviews import backdate
from xueshi.oversight.tests.test_year_end import NOVEMBER_15, give_hours
from xueshi.review.tests.test_views import guangxi_claim
from xueshi.review.waiting import oversight_rules

from .pages import UI

GROUP = "督办提醒"


def test_overdue_reviews_and_the_year_end_reminder(
    as_user: Callable[..., UI], demo: Any, viewport: str
) -> None:
    late = guangxi_claim(demo, "覃海燕", "高校教师信息化教学能力培训班")
    backdate(late, 33)
    stale = guangxi_claim(demo, "蒙丽", "教学能力提升培训班")
    backdate(stale, 17)
    guangxi_claim(demo, "覃海燕", "实验室安全管理研修班")
    give_hours(demo, "覃海燕", "30", "50")
    # The worker's daily task (run here directly): reminders and escalation today; the
    # year-end reminder as on 15 November, whatever today's date.
    oversight_daily()
    year_end_reminders_send(
        now=NOVEMBER_15, rules=oversight_rules(NOVEMBER_15.date()), report=DailyReport()
    )

    unit = as_user("gx_gxu", viewport=viewport)
    unit.goto("/review/").expect_text("已超期 18 天").expect_text("只看超期")
    unit.shot(
        "queue-overdue",
        publish="oversight-queue",
        group=GROUP,
        caption="审核队列的超期标记（gx_gxu）",
    ).axe()
    unit.goto("/oversight/short-people/").expect_text("还差 10 学时")
    unit.shot(
        "short-people",
        publish="oversight-short-people",
        group=GROUP,
        caption="学时未达标人员（gx_gxu）",
    ).axe()

    above = as_user("gx_jyt", viewport=viewport)
    above.goto("/oversight/overdue-below/").expect_heading("下级超期待审")
    above.expect_text("高校教师信息化教学能力培训班").expect_text("已等待 33 天")
    above.shot(
        "overdue-below",
        publish="oversight-overdue-below",
        group=GROUP,
        caption="下级超期待审（gx_jyt）",
    ).axe()

    person = as_user("覃海燕", viewport=viewport)
    person.goto("/notifications/").expect_text("还差 10 学时")
    person.shot(
        "year-end-reminder",
        publish="oversight-year-end-reminder",
        group=GROUP,
        caption="年底学时提醒（覃海燕）",
    ).axe()
