"""Fixtures of the browser suite: one headless Chromium (Debian's) for the whole folder, a fresh
context per user, the live test server with the demo data, and numbered screenshots.

    as_user("覃海燕")                       logged in at desktop width (1366×768)
    as_user("黄伟", viewport="phone", role="二级管理员")
    anonymous(viewport="phone")             not logged in
    browser_page("desktop")                 a bare Playwright page in a fresh context

Tests requesting `viewport` run once per width. Screenshots of every step land in
test-artifacts/screens/<test>/; UPDATE_SCREENS=1 also copies the `publish=` ones to
docs/screens/browser/ and rewrites docs/screens.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .pages import (
    ARTIFACTS_DIR,
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    UI,
    VIEWPORTS,
    Published,
    Screens,
    slug,
    update_manifest,
    write_gallery,
)

HERE = Path(__file__).resolve().parent
UPDATE_SCREENS = os.environ.get("UPDATE_SCREENS") == "1"
_published: list[Published] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_failed_key] = report.failed
    return report


_failed_key = pytest.StashKey[bool]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if UPDATE_SCREENS and _published:
        write_gallery(update_manifest(_published))


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, launched once for the folder (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        message = "browser tests need Debian's chromium: run scripts/install-browsers.sh"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop "running" in this thread while it is started,
    # so Django would refuse ORM calls from the test (demo look-ups, flushing the test
    # database). Allowed only while the browser runs, i.e. during this folder's tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Iterator[Screens]:
    name = slug(request.node.name.replace("[", "-").replace("]", ""))
    folder = ARTIFACTS_DIR / name
    if folder.exists():
        shutil.rmtree(folder)
    test = f"{Path(str(request.node.path)).name}::{request.node.originalname}"
    result = Screens(folder=folder, test=test, update=UPDATE_SCREENS)
    yield result
    _published.extend(result.published)


@pytest.fixture
def browser_page(chromium: Any, request: pytest.FixtureRequest, screens: Screens) -> Iterator[Any]:
    """Factory: browser_page("phone") is a Playwright page in a fresh context at that width.

    confirm() and alert() dialogs are accepted (a user clicking 确定); a UI keeps their texts
    in ui.dialogs. A failing test leaves a last screenshot of every page. Anything the
    Content-Security-Policy blocked (an inline script, eval, an injected style) fails the test.
    """
    contexts: list[Any] = []
    pages: list[tuple[str, Any]] = []
    csp_violations: list[str] = []

    def on_console(message: Any) -> None:
        # Reports without a URL come from the test tooling itself (Playwright hides the caret
        # for screenshots with an injected style; axe is evaluated), not from our pages.
        where = message.location or {}
        if (
            message.type == "error"
            and "Content Security Policy" in message.text
            and where.get("url")
        ):
            csp_violations.append(f"{where['url']}:{where.get('lineNumber')}: {message.text}")

    def make(viewport: str = "desktop") -> Any:
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport],
            device_scale_factor=1,
            is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("console", on_console)
        pages.append((viewport, page))
        return page

    yield make
    assert not csp_violations, csp_violations
    if request.node.stash.get(_failed_key, False):
        for viewport, page in pages:
            try:
                screens.take(page, "failure", viewport)
            except Exception as error:  # a crashed page must not hide the test's own error
                print(f"no failure screenshot: {error}")
    for context in contexts:
        context.close()


@pytest.fixture
def server_url(live_server: Any) -> str:
    return str(live_server.url).rstrip("/")


@pytest.fixture
def anonymous(
    browser_page: Callable[[str], Any], server_url: str, screens: Screens
) -> Callable[..., UI]:
    """Factory: anonymous(viewport="phone") is a not-logged-in UI on the login page."""

    def make(viewport: str = "desktop") -> UI:
        ui = UI(browser_page(viewport), server_url, viewport, screens)
        return ui.goto("/accounts/login/")

    return make


@pytest.fixture
def as_user(
    demo: Any, browser_page: Callable[[str], Any], server_url: str, screens: Screens
) -> Callable[..., UI]:
    """Factory: as_user("覃海燕", viewport="phone", role="二级管理员") — logged in, on 首页.

    A demo person by name or an account by name (gx_gxu, admin). Each call is a new browser
    context, so two users can work side by side in one test.
    """

    def make(name_or_username: str, viewport: str = "desktop", role: str | None = None) -> UI:
        ui = UI(browser_page(viewport), server_url, viewport, screens)
        ui.login(name_or_username)
        if role:
            ui.switch_role(role)
        return ui

    return make


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Run the test at each width: desktop 1366×768 and phone 390×844."""
    return str(request.param)
