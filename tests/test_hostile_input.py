"""Hostile query strings never cause a server error (issue 11 item 3).

Random values (text with NUL bytes, dates far in the past or future, huge integers, any unicode)
go to every query parameter of the list, search and statistics pages, as a role that may open
them. Run it on PostgreSQL too: a NUL byte only fails there (DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY

pytestmark = pytest.mark.django_db

# (page, who opens it: an account name or ("person", name), its query parameters)
PAGES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("declarations:list", ("person", "陈静"), ("status", "q", "year", "page", "supervisor_q")),
    ("declarations:list", "gx_gxu", ("status", "q", "year", "page", "supervisor_q")),
    ("orgs:unit_search", ("person", "陈静"), ("q", "region")),
    ("orgs:staff_list", "gx_gxu", ("q", "department", "page")),
    ("orgs:department_list", "gx_gxu", ("q", "page")),
    ("orgs:unit_admin_list", "gx_gxu", ("q", "page")),
    (
        "review:queue",
        "gx_gxu",
        (
            "id_number",
            "name",
            "category_code",
            "registered_by",
            "submitted_from",
            "submitted_to",
            "page",
        ),
    ),
    ("review:results", "gx_gxu", ("status", "query", "page")),
    ("ledger:unit_query", "gx_gxu", ("year", "q", "compliance", "page")),
    ("ledger:my_years", ("person", "陈静"), ("year",)),
    ("applications:mine", ("person", "阿依古丽"), ("credit_year", "status", "page")),
    ("applications:queue", "xj_xju", ("credit_year", "name", "id_number", "status", "page")),
    (
        "reports:statistics",
        "gx_rst",
        ("year", "status", "category", "org", "region", "track", "submitted_from", "submitted_to"),
    ),
]

NUL = "\x00"
HUGE_INTEGERS = st.integers(min_value=-(10**30), max_value=10**30).map(str)
DATES = st.dates(min_value=datetime.date.min, max_value=datetime.date.max).map(
    lambda day: day.isoformat()
)
EDGES = st.sampled_from(
    [
        "9999-12-31",
        "0001-01-01",
        "2025-02-30",
        "10000-01-01",
        "-1",
        "0",
        "1e309",
        "NaN",
        NUL,
        f"a{NUL}b",
        f"{NUL}2025",
        "%00",
        "𠀀𝟘😀",
        "\u202e",
        "'; --",
        "\\",
        " ",
    ]
)
# The ends of the calendar: a day added or a time zone applied overflows there.
EDGE_DATES = st.sampled_from(["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02"])
VALUES = st.one_of(
    EDGES,
    EDGE_DATES,
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from([NUL, "a", "张", "1", "-", " "]), max_size=10),
    HUGE_INTEGERS,
    DATES,
)


def _role(demo: Any, who: Any) -> RoleAssignment:
    if isinstance(who, tuple):
        return demo.professional(who[1])
    return demo.role(who)


def _client(role: RoleAssignment) -> Client:
    client = Client()
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


@pytest.mark.parametrize(
    ("page", "who", "params"), PAGES, ids=[f"{page}-{who}" for page, who, _ in PAGES]
)
def test_random_query_values_never_cause_a_server_error(
    demo: Any, page: str, who: Any, params: tuple[str, ...]
) -> None:
    client = _client(_role(demo, who))
    url = reverse(page)

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=st.dictionaries(st.sampled_from(params), VALUES, min_size=1))
    def check(query: dict[str, str]) -> None:
        response = client.get(url, query)
        assert response.status_code < 500, (query, response.status_code)

    check()


# The cases the fuzzing found, kept as plain examples.


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("declarations:list", {"q": NUL}),
        ("declarations:list", {"supervisor_q": f"a{NUL}b"}),
        ("orgs:unit_search", {"q": NUL}),
    ],
)
def test_a_nul_byte_is_refused_with_a_message(demo: Any, page: str, query: dict[str, str]) -> None:
    client = _client(demo.professional("陈静"))

    response = client.get(reverse(page), query)

    assert response.status_code == 400
    assert "不可见的控制字符" in response.content.decode()


def test_a_nul_byte_in_a_form_post_is_refused(demo: Any) -> None:
    client = _client(demo.role("gx_gxu"))

    response = client.post(reverse("orgs:department_list"), {"name": f"新部门{NUL}"})

    assert response.status_code == 400
    assert not demo.organization("广西大学").departments.filter(name__startswith="新部门").exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_statistics_with_a_date_at_the_end_of_the_calendar(demo: Any, day: str) -> None:
    client = _client(demo.role("gx_rst"))

    response = client.get(
        reverse("reports:statistics"), {"submitted_to": day, "submitted_from": day}
    )

    assert response.status_code == 200
    assert "日期应在" in response.content.decode()


def test_a_nul_byte_in_the_address_or_a_parameter_name_is_refused(demo: Any) -> None:
    client = _client(demo.professional("陈静"))

    assert client.get("/declarations/%00/").status_code == 400
    assert client.get("/declarations/?q%00=1").status_code == 400
