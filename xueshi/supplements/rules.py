"""The 增补 window and the one question declarations asks: may this closed-year claim be added?

The window is profile data (`windows.supplement`): on which days of each year a request may be
made (Zhejiang 01-01 to 01-20) and for which year (the previous one). The clock is a `today`
argument everywhere; views pass `timezone.localdate()`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from xueshi.accounts.models import Person
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.rules import NO_SUPPLEMENTS, register_supplement_grant
from xueshi.policy.resolver import profile_key_of, try_resolve_version
from xueshi.policy.schema import ProfileVersion, SupplementWindow, SupplementWords

from .models import SupplementRequest, SupplementStatus


def _date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class WindowState:
    """The supplement window of the person's region as of `today`."""

    key: str
    version: ProfileVersion | None
    today: datetime.date

    @property
    def settings(self) -> SupplementWindow | None:
        return self.version.windows.supplement if self.version is not None else None

    @property
    def offered(self) -> bool:
        """The region has 增补 at all."""
        return self.settings is not None

    @property
    def words(self) -> SupplementWords:
        return self.settings.words if self.settings is not None else SupplementWords()

    @property
    def credit_year(self) -> int:
        """The closed year a request this year is for (`credit_year: previous`)."""
        return self.today.year - 1

    @property
    def dates(self) -> tuple[datetime.date, datetime.date]:
        if self.settings is None:
            return (self.today, self.today)
        return self.settings.dates_in(self.today.year)

    @property
    def open(self) -> bool:
        opens, closes = self.dates
        return self.offered and opens <= self.today <= closes

    @property
    def days_text(self) -> str:
        """The yearly days, e.g. 1月1日至1月20日."""
        opens, closes = self.dates
        return f"{opens.month}月{opens.day}日至{closes.month}月{closes.day}日"

    @property
    def dates_text(self) -> str:
        opens, closes = self.dates
        return f"{_date(opens)}至{_date(closes)}"

    @property
    def refusal(self) -> str:
        """Why a request is refused today (the window's dates), "" when it is open."""
        if not self.offered:
            return NO_SUPPLEMENTS
        if self.open:
            return ""
        return (
            f"{self.words.request}只能在{self.dates_text}提出（补登记{self.credit_year}年度），"
            f"今天（{_date(self.today)}）不在增补时间内。"
        )


def window_state(person: Person, today: datetime.date) -> WindowState:
    key = profile_key_of(person.unit)
    version = try_resolve_version(key, today) if key else None
    return WindowState(key, version, today)


def has_approved_claim(person: Person, credit_year: int, category_code: str) -> bool:
    """A 终审通过 claim of the category in that year: what a supplement adds to."""
    return Declaration.objects.filter(
        person=person,
        credit_year=credit_year,
        category_code=category_code,
        status=DeclarationStatus.APPROVED,
    ).exists()


def grant_refusal(
    person: Person, credit_year: int, category_code: str, today: datetime.date
) -> str | None:
    """None when the person may add a claim of this category to this closed year.

    With the unit's consent (`needs_unit_consent`), a request it agreed to (同意) for this year
    and category; the consent stays usable after the window closes, for the year it names.
    Without consent, the window itself and a 终审通过 claim of the category.
    """
    window = window_state(person, today)
    settings = window.settings
    if settings is None:
        return NO_SUPPLEMENTS
    if credit_year != window.credit_year:
        return f"增补只能补登记{window.credit_year}年度的学时。"
    if settings.needs_unit_consent:
        agreed = SupplementRequest.objects.filter(
            person=person,
            credit_year=credit_year,
            category_code=category_code,
            status=SupplementStatus.APPROVED,
        ).exists()
        if agreed:
            return None
        return f"单位尚未{window.words.agree}，不能补登记{credit_year}年度该类别的学时。"
    if not window.open:
        return window.refusal
    if not has_approved_claim(person, credit_year, category_code):
        return "只能对已终审通过的类别进行增补。"
    return None


def register_grant() -> None:
    register_supplement_grant(grant_refusal)
