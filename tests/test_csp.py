"""Content-Security-Policy (issue 21 part 5): every page of every demo role carries the header,
and no page holds an inline script, an on*= handler or a javascript: URL (they would not run).

Each demo role opens every page of its menu and then every same-site link found there (one step
further: detail pages, forms, sub-pages), once per role kind and page. The public pages are
opened without logging in.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from xueshi.accounts.models import RoleAssignment, User
from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.portal.menu import menu_for

pytestmark = pytest.mark.django_db

# Links not to follow: they end the session, switch the role, or stream files.
SKIP_VIEWS = {
    "accounts:logout",
    "accounts:role_switch",
    "admin:logout",
    "core:job_download",
}
SKIP_WORDS = ("export", "download", "template", "/media/", "/static/", "/captcha/")


class PageScan(HTMLParser):
    """Inline scripts, on*= handlers and javascript: URLs in a page; its same-site links."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            kind = (values.get("type") or "").lower()
            data_only = kind in ("application/json", "application/ld+json")
            self._in_inline_script = not values.get("src") and not data_only
        if tag == "a" and values.get("href"):
            href = values["href"] or ""
            if href.startswith("/") and not href.startswith("//"):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def _client(role: RoleAssignment) -> Client:
    client = Client()
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


def _assert_csp(url: str, response: Any) -> PageScan:
    policy = response.get("Content-Security-Policy", "")
    assert policy, f"{url}: no Content-Security-Policy header"
    directives = {}
    for part in filter(None, (piece.strip() for piece in policy.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert directives["script-src"] == "'self'", (url, policy)
    assert "unsafe-inline" not in directives.get("default-src", "")
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    scan = PageScan()
    if "html" in response.get("Content-Type", ""):
        scan.feed(response.content.decode())
        assert not scan.problems, (url, scan.problems)
    return scan


def _view_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def _follow(link: str) -> bool:
    name = _view_name(link)
    return name is not None and name not in SKIP_VIEWS and not any(w in link for w in SKIP_WORDS)


def test_every_page_of_every_demo_role_has_the_csp_and_no_inline_script(demo_claims: Any) -> None:
    # Some demo people must change a first password; that page is opened on its own below.
    User.objects.update(must_change_password=False)
    roles = RoleAssignment.objects.select_related("user", "organization", "department")
    seen: set[tuple[str, str | None]] = set()
    opened = 0
    for role in roles.order_by("pk"):
        client = _client(role)
        menu_urls = [item.url for section in menu_for(role) for item in section.items]
        queue = list(menu_urls)
        for url in menu_urls:
            # A menu page may send its user elsewhere with a message (Zhejiang: a person whose
            # enterprise has not reported them may not declare): the page landed on is checked.
            response = client.get(url, follow=True)
            assert response.status_code == 200, (role, url, response.status_code)
            scan = _assert_csp(url, response)
            opened += 1
            queue.extend(link for link in scan.links if _follow(link))
        for link in dict.fromkeys(queue[len(menu_urls) :]):
            key = (role.kind, _view_name(link))
            if key in seen:
                continue
            seen.add(key)
            response = client.get(link)
            assert response.status_code < 500, (role, link, response.status_code)
            if response.status_code == 200:
                _assert_csp(link, response)
                opened += 1
    assert opened > 200  # every role's menu and the pages one step further were opened


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:login"),
        "/no-such-page/",
        "/health/",
    ],
)
def test_public_pages_and_errors_have_the_csp(db: Any, url: str) -> None:
    response = Client().get(url)

    assert response.status_code in (200, 404)
    _assert_csp(url, response)


def test_the_statistics_page_loads_its_chart_data_as_json_not_script(demo_claims: Any) -> None:
    role = demo_claims.role("gx_rst")
    response = _client(role).get(reverse("reports:statistics"))

    html = response.content.decode()
    assert 'type="application/json"' in html and "statistics-chart-data" in html
    assert "vendor/echarts/echarts.min.js" in html and "reports/charts.js" in html
    _assert_csp("statistics", response)


def test_htmx_runs_without_eval_or_injected_styles(db: Any) -> None:
    html = Client().get(reverse("accounts:login")).content.decode()

    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false}\'>' in html
    )
