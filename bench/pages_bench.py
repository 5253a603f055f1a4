"""Pages against a bare view fetching the same 20 rows with one raw SQL query (issue 20).

Each page is requested through Django's test client (the whole middleware stack, a real
session) and so is its baseline: a bare view running one hand-written query for the rows the
page shows and rendering them into a minimal template. Subject and baseline alternate
(`--pairs`, at least 5), the medians are compared. Results are appended to bench/results.md
with the date, machine, commit and load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xueshi_bench_run \\
        .venv/bin/python bench/pages_bench.py --pairs 7

The database must hold a province (`manage.py make_province`, or `bench/run`).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.recording import append, commit, machine  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from config import urls as project_urls  # noqa: E402
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User  # noqa: E402
from xueshi.accounts.otp import second_factor_needed  # noqa: E402
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY  # noqa: E402
from xueshi.declarations.models import Declaration, DeclarationStatus  # noqa: E402
from xueshi.orgs.models import Organization  # noqa: E402

BARE_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>bare</title><table>{% for row in rows %}<tr>"
    "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>"
)
QUEUE_SQL = (
    "SELECT d.id, p.name, d.title, d.category_name, d.hours_claimed, d.submitted_at, u.name"
    " FROM declarations_declaration d JOIN accounts_person p ON p.id = d.person_id"
    " LEFT JOIN orgs_organization u ON u.id = d.unit_id"
    " WHERE d.status = 'pending' AND d.current_organization_id = %s"
    " ORDER BY d.submitted_at, d.id LIMIT 20"
)
CLAIMS_SQL = (
    "SELECT d.id, d.title, d.category_name, d.credit_year, d.hours_claimed, d.status,"
    " d.created_at FROM declarations_declaration d"
    " WHERE d.person_id = %s AND d.status <> 'deleted' ORDER BY d.created_at DESC, d.id DESC"
    " LIMIT 20"
)
LEDGER_SQL = (
    "SELECT credit_year, general_hours, professional_hours FROM ledger_yeartotal"
    " WHERE person_id = %s ORDER BY credit_year DESC LIMIT 20"
)
SCOPE_SQL = (
    "SELECT d.id, d.title, d.category_name, d.credit_year, d.hours_claimed, d.status"
    " FROM declarations_declaration d JOIN orgs_organization u ON u.id = d.unit_id"
    " WHERE u.path LIKE %s AND d.status NOT IN ('draft', 'deleted') ORDER BY d.id DESC LIMIT 20"
)
BARE_QUERIES = {"queue": QUEUE_SQL, "claims": CLAIMS_SQL, "ledger": LEDGER_SQL, "scope": SCOPE_SQL}


def bare(request: HttpRequest, name: str) -> HttpResponse:
    """The baseline: one raw query, a minimal template."""
    with connection.cursor() as cursor:
        cursor.execute(BARE_QUERIES[name], [request.GET["arg"]])
        rows = cursor.fetchall()
    return HttpResponse(BARE_TEMPLATE.render({"rows": rows}))


urlpatterns = [path("bare/<str:name>/", bare), *project_urls.urlpatterns]


def _user(username: str) -> User:
    user, _created = User.objects.get_or_create(username=username, defaults={"full_name": username})
    return user


def _role(username: str, kind: str, organization: Organization | None = None) -> RoleAssignment:
    role, _created = RoleAssignment.objects.get_or_create(
        user=_user(username), kind=kind, organization=organization
    )
    return role


def roles() -> dict[str, Any]:
    """The bench's accounts: idempotent, on the province's busiest places."""
    busiest_unit = (
        Declaration.objects.filter(
            status=DeclarationStatus.PENDING, current_organization__kind="unit"
        )
        .values("current_organization")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if busiest_unit is None:
        raise SystemExit("No pending claims: build a province first (bench/run).")
    unit = Organization.objects.get(pk=busiest_unit["current_organization"])
    authority = Organization.objects.filter(kind="authority").order_by("id").first()
    if authority is None:
        raise SystemExit("No authority: build a province first (bench/run).")
    busiest_person = (
        Declaration.objects.values("person").annotate(n=Count("id")).order_by("-n").first()
    )
    person = Person.objects.get(pk=busiest_person["person"]) if busiest_person else None
    if person is None:
        raise SystemExit("No claims: build a province first (bench/run).")
    if person.user_id is None:
        person.user = _user(f"bench_person_{person.pk}")
        person.save(update_fields=["user"])
    professional, _created = RoleAssignment.objects.get_or_create(
        user=person.user, kind=RoleKind.PROFESSIONAL
    )
    return {
        "unit": (_role("bench_unit", RoleKind.UNIT_ADMIN, unit), unit),
        "authority": (_role("bench_authority", RoleKind.AUTHORITY_ADMIN, authority), authority),
        "platform": (_role("bench_platform", RoleKind.PLATFORM_ADMIN), None),
        "professional": (professional, person),
    }


def client_for(role: RoleAssignment) -> Client:
    """Logged in with the role active, and, for an admin, the second factor given (a TOTP
    device enrolled and the session verified with it, as the login's code page does)."""
    client = Client()
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    if second_factor_needed(role.user):
        device = TOTPDevice.objects.filter(user=role.user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=role.user, name="基准测试", confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def statements(get: Callable[[], Any]) -> int:
    """How many SQL statements one request runs (transaction bookkeeping left out)."""
    with CaptureQueriesContext(connection) as context:
        get()
    return sum(
        not query["sql"].upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
        for query in context.captured_queries
    )


def timed(get: Callable[[], Any]) -> float:
    started = time.perf_counter()
    response = get()
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code} {response.get('Location', '')}")
    return elapsed


def pages(accounts: dict[str, Any]) -> list[tuple[str, Client, str, str, float]]:
    """(name, client, page url, baseline url, target ratio)."""
    unit_role, unit = accounts["unit"]
    authority_role, authority = accounts["authority"]
    platform_role, _none = accounts["platform"]
    professional_role, person = accounts["professional"]
    unit_client, authority_client = client_for(unit_role), client_for(authority_role)
    professional_client, platform_client = client_for(professional_role), client_for(platform_role)
    return [
        ("unit admin's review queue", unit_client, reverse("review:queue"),
         f"/bare/queue/?arg={unit.pk}", 2.5),
        ("authority admin's review queue", authority_client, reverse("review:queue"),
         f"/bare/queue/?arg={authority.pk}", 2.5),
        ("a professional's ledger", professional_client, reverse("ledger:my_years"),
         f"/bare/ledger/?arg={person.pk}", 2.5),
        ("a professional's claim list", professional_client, reverse("declarations:list"),
         f"/bare/claims/?arg={person.pk}", 2.5),
        ("statistics, platform admin", platform_client, reverse("reports:statistics"),
         "/bare/scope/?arg=/%25", 10.0),
        ("statistics, authority admin", authority_client, reverse("reports:statistics"),
         f"/bare/scope/?arg={authority.path}%25", 10.0),
    ] + [
        # The page's sections with a row per organisation, which it loads after itself (HTMX):
        # no target of their own in the issue; held to the statistics page's.
        (f"statistics section {key}, {who}", client, section(key),
         f"/bare/scope/?arg={path}%25", 10.0)
        for who, client, path in (("platform", platform_client, "/"),
                                  ("authority", authority_client, authority.path))
        for key in ("compliance", "throughput", "pending")
    ]  # fmt: skip


def section(key: str) -> str:
    return reverse("reports:statistics_section", args=[key])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--no-record", action="store_true", help="do not append to results.md")
    options = parser.parse_args()
    claims = Declaration.objects.count()
    load_start = os.getloadavg()
    results = []
    # Not setup_test_environment(): it instruments every template render (signals), which
    # would weigh on the pages far more than on the bare view. The bell's unread count from the
    # cache, as in production (the test settings turn it off for the tests' query counts).
    with override_settings(
        ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], NOTIFICATIONS_UNREAD_CACHE=True
    ):
        accounts = roles()
        for name, client, url, baseline, target in pages(accounts):
            if options.only and options.only not in name:
                continue
            client.get(url)  # warm: templates, profiles, the session
            client.get(baseline)
            queries = (
                statements(lambda: client.get(url)),  # noqa: B023
                statements(lambda: client.get(baseline)),  # noqa: B023
            )
            subject_times, baseline_times = [], []
            for _pair in range(max(5, options.pairs)):
                subject_times.append(timed(lambda: client.get(url)))  # noqa: B023
                baseline_times.append(timed(lambda: client.get(baseline)))  # noqa: B023
            subject, base = statistics.median(subject_times), statistics.median(baseline_times)
            ratio = subject / base
            verdict = "met" if ratio <= target else "**missed**"
            print(
                f"{name:34} {subject * 1000:9.1f} ms  bare {base * 1000:8.1f} ms  "
                f"{ratio:6.2f}× (target ≤ {target:g}×: {verdict})  "
                f"queries {queries[0]} / {queries[1]}",
                flush=True,
            )
            results.append((name, subject, base, ratio, target, verdict, queries))
    load_end = os.getloadavg()
    if not options.no_record:
        record(results, claims, options.pairs, load_start, load_end)


def record(
    results: list[tuple[str, float, float, float, float, str, tuple[int, int]]],
    claims: int,
    pairs: int,
    load_start: tuple[float, float, float],
    load_end: tuple[float, float, float],
) -> None:
    lines = [
        "",
        f"### Pages, {claims:,} claims — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine {machine()}; commit {commit()}; load average {load_start[0]:.2f} at the start,"
        f" {load_end[0]:.2f} at the end; {max(5, pairs)} interleaved pairs, medians"
        " (`bench/pages_bench.py`).",
        "",
        "| page | xueshi | bare 20-row view | ratio | target | queries (page / bare) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {subject * 1000:.1f} ms | {base * 1000:.1f} ms | {ratio:.2f}× |"
        f" ≤ {target:g}× {verdict} | {queries[0]} / {queries[1]} |"
        for name, subject, base, ratio, target, verdict, queries in results
    ]
    append("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
