"""Screenshots of the main pages, desktop (1366×768) and phone (390×844), into docs/screens/.

Uses Playwright with Debian's Chromium (scripts/install-browsers.sh); never downloads a browser.

The server must run with the captcha in test mode, so the answer "PASSED" is accepted:

    CAPTCHA_TEST_MODE=1 .venv/bin/python manage.py runserver        # after manage.py load_demo
    .venv/bin/python scripts/screenshots.py

Environment:
    BASE_URL              server to photograph (default http://127.0.0.1:8000)
    SCREENS_DIR           output folder (default docs/screens)
    SCREENSHOT_ACCOUNTS   a JSON file: [{"label", "username", "password", "role"?, "pages"?}]
                          replacing ACCOUNTS below. "role" is a piece of the role label to
                          switch to after login; "pages" are extra paths, {"name": "/path/"}.
    SCREENSHOT_SESSIONS   a JSON file {label: sessionid}: use these sessions instead of logging
                          in (for a server without a working login page).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

# Demo accounts printed by `manage.py load_demo` (Guangxi, plus the Henan training base and
# the platform admin). Change here or pass SCREENSHOT_ACCOUNTS.
ACCOUNTS: list[dict[str, Any]] = [
    {"label": "professional", "username": "450102198511150202", "password": "Xueshi@2026"},
    {"label": "unit_admin", "username": "gx_gxu", "password": "Xueshi@2026"},
    {
        "label": "department_admin",
        "username": "450102199710080192",
        "password": "Xueshi@2026",
        "role": "二级管理员",
    },
    {"label": "supervisor_admin", "username": "gx_jyt", "password": "Xueshi@2026"},
    {"label": "authority_admin", "username": "gx_rst", "password": "Xueshi@2026"},
    {"label": "training_base_admin", "username": "ha_jidi", "password": "Xueshi@2026"},
    {"label": "platform_admin", "username": "admin", "password": "Xueshi@2026"},
]

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
CAPTCHA_TEST_ANSWER = "PASSED"

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
ROOT = Path(__file__).resolve().parent.parent
SCREENS_DIR = Path(os.environ.get("SCREENS_DIR", ROOT / "docs" / "screens"))


def load_json(variable: str) -> Any:
    path = os.environ.get(variable)
    if not path:
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


def new_context(browser: Browser, viewport: str) -> BrowserContext:
    size = VIEWPORTS[viewport]
    return browser.new_context(
        viewport=size,
        device_scale_factor=1,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )


def shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        print(f"  ! {name}: page is {overflow}px wider than the screen")
    target = SCREENS_DIR / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def snap(page: Page, name: str) -> None:
    """The visible viewport only (open menus and dropdowns)."""
    target = SCREENS_DIR / f"{name}.png"
    page.screenshot(path=str(target))
    print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def log_in(page: Page, account: dict[str, Any]) -> bool:
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("input[name=username]", account["username"])
    page.fill("input[name=password]", account["password"])
    if page.locator("input[name=captcha_1]").count():
        page.fill("input[name=captcha_1]", CAPTCHA_TEST_ANSWER)
    page.click("form [type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        print(f"  ! login failed for {account['label']} (server not in CAPTCHA_TEST_MODE?)")
        return False
    return True


def switch_role(page: Page, wanted: str) -> None:
    button = page.locator(".xs-role-btn")
    if not button.count():
        return
    button.first.click()
    option = page.locator("button.xs-role-option", has_text=wanted)
    if option.count():
        option.first.click()
        page.wait_for_load_state("networkidle")
    else:
        print(f"  ! no role matching {wanted!r}")
        page.keyboard.press("Escape")


def photograph_account(
    browser: Browser, account: dict[str, Any], sessions: dict[str, str] | None
) -> None:
    label = account["label"]
    host = BASE_URL.split("://", 1)[1].split("/", 1)[0].split(":")[0]
    for viewport in VIEWPORTS:
        context = new_context(browser, viewport)
        page = context.new_page()
        page.set_default_timeout(15000)
        if sessions is not None:
            if label not in sessions:
                context.close()
                return
            context.add_cookies(
                [{"name": "sessionid", "value": sessions[label], "domain": host, "path": "/"}]
            )
        elif not log_in(page, account):
            context.close()
            return
        if account.get("role"):
            switch_role(page, account["role"])
        page.goto(f"{BASE_URL}/")
        shoot(page, f"{label}-home-{viewport}")
        switcher = page.locator(".xs-role-btn")
        if switcher.count():
            switcher.first.click()
            page.locator(".xs-role-menu.show").wait_for()
            snap(page, f"{label}-roles-{viewport}")
            page.keyboard.press("Escape")
        if viewport == "phone":
            toggle = page.locator(".xs-menu-toggle")
            if toggle.count() and toggle.first.is_visible():
                toggle.first.click()
                page.locator("#xs-sidebar.show").wait_for()
                page.wait_for_timeout(400)  # let the slide-in finish
                snap(page, f"{label}-menu-{viewport}")
        for name, path in account.get("pages", {}).items():
            page.goto(f"{BASE_URL}{path}")
            shoot(page, f"{label}-{name}-{viewport}")
        context.close()


def main() -> int:
    executable = shutil.which("chromium")
    if executable is None:
        print("chromium not found: run scripts/install-browsers.sh first", file=sys.stderr)
        return 1
    accounts = load_json("SCREENSHOT_ACCOUNTS") or ACCOUNTS
    sessions = load_json("SCREENSHOT_SESSIONS")
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    print(f"{BASE_URL} -> {SCREENS_DIR}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for viewport in VIEWPORTS:
                context = new_context(browser, viewport)
                page = context.new_page()
                page.goto(f"{BASE_URL}/accounts/login/")
                shoot(page, f"login-{viewport}")
                context.close()
            for account in accounts:
                print(account["label"])
                photograph_account(browser, account, sessions)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
