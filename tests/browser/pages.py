"""Page helpers for the browser suite: log in, switch role, open a menu item, photograph, axe.

A journey is written as its user would walk it, by demo name::

    def test_declare(as_user):
        me = as_user("覃海燕", viewport="phone")
        me.open_menu("学时登记").shot("form", publish="guangxi-declare-form")
        me.page.get_by_label("学时").fill("40")
        me.click("提交").expect_text("已提交").shot("submitted")

`as_user` (tests/browser/conftest.py) loads the demo data, logs in through the real login form
and returns a `UI`: the Playwright page (`me.page`) plus the helpers below. The module-level
functions (`login`, `switch_role`, `open_menu`, `demo_login`, `assert_no_serious_axe_violations`)
work on a bare Playwright `Page` too; the journey helpers (`choose`, `type_in`, `settle`,
`list_row`, `table_row`, `queue_row`, `open_trail`, `at_phone_width`) take a `UI`.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, ViewportSize, expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = ROOT / "test-artifacts" / "screens"
PUBLISHED_DIR = ROOT / "docs" / "screens" / "browser"
MANIFEST = PUBLISHED_DIR / "manifest.json"
GALLERY = ROOT / "docs" / "screens.md"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

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
    # Date inputs follow the browser's language, not the page's: show them as users here see them.
    "--lang=zh-CN",
]
CAPTCHA_TEST_ANSWER = "PASSED"  # accepted while CAPTCHA_TEST_MODE is on (config/settings/test.py)
DEFAULT_TIMEOUT_MS = 10_000
LOGIN_PATH = "/accounts/login/"
PASSWORD_CHANGE_PATH = "/accounts/password/change/"
OTP_SETUP_PATH = "/accounts/otp/setup/"
OTP_VERIFY_PATH = "/accounts/otp/verify/"


# ---------------------------------------------------------------------------------------------
# Demo people and accounts
# ---------------------------------------------------------------------------------------------


def demo_login(name_or_username: str) -> tuple[str, str]:
    """(username, password) of a demo person by name ("覃海燕") or an account name ("gx_gxu").

    People log in with their ID number, read from the database (the `demo` fixture must have
    run). First-login people (demo "莫新", "刘洋"…) still have their initial password, the last
    six characters of the ID number; `login` then goes through the forced change.
    """
    from xueshi.accounts.models import Person, User
    from xueshi.accounts.services import initial_password
    from xueshi.portal.demo import DEMO_PASSWORD, REGIONS

    for region in REGIONS:
        for person_spec in region.people:
            if person_spec.name == name_or_username:
                id_number = Person.objects.get(name=person_spec.name).id_number
                password = initial_password(id_number) if person_spec.first_login else DEMO_PASSWORD
                return id_number, password
        for org_spec in region.organizations:
            if org_spec.account and name_or_username in (org_spec.account, org_spec.name):
                return org_spec.account, DEMO_PASSWORD
    if User.objects.filter(username=name_or_username).exists():  # "admin", and anyone else
        return name_or_username, DEMO_PASSWORD
    raise LookupError(
        f"no demo person or account named {name_or_username!r} (xueshi/portal/demo.py)"
    )


def is_first_login(name: str) -> bool:
    from xueshi.portal.demo import REGIONS

    return any(p.name == name and p.first_login for r in REGIONS for p in r.people)


# ---------------------------------------------------------------------------------------------
# Plain helpers on a Playwright page
# ---------------------------------------------------------------------------------------------


def base_url_of(page: Page) -> str:
    match = re.match(r"^(https?://[^/]+)", page.url)
    if not match:
        raise ValueError(f"page has no server address yet: {page.url}")
    return match.group(1)


def form_field(page: Page, label: str) -> Locator:
    """The form field labelled `label` exactly (a required field's label ends in "*")."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def fill_login_form(page: Page, username: str, password: str) -> None:
    form_field(page, "账号").fill(username)
    form_field(page, "密码").fill(password)
    page.get_by_role("textbox", name="验证码").fill(CAPTCHA_TEST_ANSWER)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


def login(
    page: Page,
    username: str,
    password: str,
    *,
    new_password: str | None = None,
    base_url: str | None = None,
) -> None:
    """Log in through the login form; on the forced password change, set `new_password`.

    `new_password` defaults to the demo password. Fails with the page's error if refused.
    """
    from xueshi.portal.demo import DEMO_PASSWORD

    root = base_url or base_url_of(page)
    page.goto(root + LOGIN_PATH)
    fill_login_form(page, username, password)
    if LOGIN_PATH in page.url:
        errors = page.locator(".alert-danger, .invalid-feedback, .errorlist").all_inner_texts()
        raise AssertionError(f"login refused for {username}: {errors}")
    if OTP_SETUP_PATH in page.url:
        enrol_second_factor(page)
    elif OTP_VERIFY_PATH in page.url:
        give_second_factor(page, username)
    if PASSWORD_CHANGE_PATH in page.url and page.get_by_text("请先设置新密码").count():
        change_password(page, password, new_password or DEMO_PASSWORD)


def _totp_code(key: bytes, at_least_step: int = 0) -> str:
    """The code an authenticator app shows now (or for the step after the last one used: a
    TOTP code is accepted once, and a test may log the same admin in twice in 30 s)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(key)
    totp.time = max(time.time(), at_least_step * 30)
    return f"{totp.token():06d}"


def enrol_second_factor(page: Page) -> None:
    """An admin's first login: read the secret the enrolment page shows (as a person types it
    into the app), type the app's code, keep the recovery codes, go on."""
    import base64

    secret = page.locator("[data-otp-secret]").get_attribute("data-otp-secret") or ""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    form_field(page, "动态口令").fill(_totp_code(key))
    page.get_by_role("button", name="确认绑定", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_text("动态口令已绑定")).to_be_visible()
    page.get_by_role("link", name="我已保存恢复码，继续").click()
    page.wait_for_load_state()


def give_second_factor(page: Page, username: str) -> None:
    """A later login of an enrolled admin: the code of the device enrolled before."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xueshi.accounts.backends import find_user

    device = TOTPDevice.objects.get(user=find_user(username), confirmed=True)
    form_field(page, "动态口令").fill(_totp_code(device.bin_key, device.last_t + 1))
    page.get_by_role("button", name="验证", exact=True).click()
    page.wait_for_load_state()


def change_password(page: Page, old: str, new: str) -> None:
    form_field(page, "原密码").fill(old)
    form_field(page, "新密码").fill(new)
    form_field(page, "确认新密码").fill(new)
    page.get_by_role("button", name="保存新密码").click()
    page.wait_for_load_state()
    expect(page.get_by_text("密码已修改。")).to_be_visible()


def current_role(page: Page) -> str:
    return page.locator(".xs-topbar .xs-role-label").first.inner_text().strip()


def switch_role(page: Page, label_contains: str) -> None:
    """Choose the role whose label contains `label_contains` in the top bar's role switcher."""
    if label_contains in current_role(page):
        return
    page.locator(".xs-role-btn").first.click()
    menu = page.locator(".xs-role-menu.show")
    expect(menu).to_be_visible()
    menu.locator("button.xs-role-option", has_text=label_contains).first.click()
    page.wait_for_load_state()
    expect(page.locator(".xs-topbar .xs-role-label").first).to_contain_text(label_contains)


def menu_labels(page: Page) -> list[str]:
    """The labels of the left menu's items (also while the phone's panel is closed)."""
    return [t.strip() for t in page.locator("#xs-sidebar .nav-link").all_text_contents()]


def open_phone_menu(page: Page) -> bool:
    """On a narrow screen, open the 菜单 off-canvas panel (if not open yet); False on desktop."""
    toggle = page.locator(".xs-menu-toggle")
    if not (toggle.count() and toggle.first.is_visible()):
        return False
    panel = page.locator("#xs-sidebar.show")
    if not panel.count():
        toggle.first.click()
        expect(panel).to_be_visible()
        # Wait for the slide-in to end (Bootstrap adds .showing while it runs).
        expect(page.locator("#xs-sidebar.showing")).to_have_count(0)
    return True


def open_menu(page: Page, label: str) -> None:
    """Click the left-menu item `label`; on a phone, open the 菜单 off-canvas panel first."""
    open_phone_menu(page)
    link = page.locator("#xs-sidebar").get_by_role("link", name=label, exact=True)
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    link.click()
    page.wait_for_load_state()
    if href:
        expect(page).to_have_url(re.compile(re.escape(href) + r"(\?.*)?$"))
        # The menu marks where the user is.
        active = page.locator("#xs-sidebar a[aria-current=page]")
        expect(active).to_have_attribute("href", href)


def assert_same_row(first: Locator, second: Locator) -> None:
    """The two elements sit on one line (their vertical centres within a few pixels)."""
    a, b = first.bounding_box(), second.bounding_box()
    assert a is not None and b is not None, "element not rendered"
    centre_a, centre_b = a["y"] + a["height"] / 2, b["y"] + b["height"] / 2
    assert abs(centre_a - centre_b) <= 4, f"not on one row: {a} / {b}"


def page_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(
        page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
    )


def assert_fits_width(page: Page) -> None:
    overflow = page_overflow(page)
    if overflow > 1:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string'
                       ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))"""
        )
        raise AssertionError(
            f"{page.url} is {overflow}px wider than the {page.viewport_size} window; "
            f"elements past the right edge: {culprits}"
        )


def axe_violations(
    page: Page, *, impacts: tuple[str, ...] = ("serious", "critical"), **options: Any
) -> list[dict[str, Any]]:
    """Run axe-core (vendored, injected into the page) and return the violations of `impacts`."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy refuses an
        # inline <script> tag (add_script_tag), as it should.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "async (options) => await axe.run(document, options)",
        {"resultTypes": ["violations"], **options},
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page: Page, **options: Any) -> None:
    """Fail on axe-core violations of impact "serious" or "critical" on the current page.

    `options` go to axe.run, e.g. rules={"color-contrast": {"enabled": False}} for a known,
    reported issue (say why beside the call).
    """
    violations = axe_violations(page, **options)
    if violations:
        raise AssertionError(
            f"axe-core: serious/critical violations on {page.url}:\n"
            + format_violations(violations)
        )


# ---------------------------------------------------------------------------------------------
# Screenshots
# ---------------------------------------------------------------------------------------------


# A full-page capture keeps the window's height for `vh`: the desktop menu (sticky, 100vh high)
# would end in mid-page as a white block over an empty grey column. While capturing, let it run
# the page's full height, as the reader sees it at every scroll position.
FULL_PAGE_STYLE = """@media (min-width: 992px) {
  .xs-sidebar.offcanvas-lg { position: static !important; align-self: stretch !important;
                             height: auto !important; overflow: visible !important; }
}"""


def slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-") or "step"


@dataclass
class Published:
    """A screenshot copied to docs/screens/browser/ for the gallery (docs/screens.md)."""

    stem: str  # file name without "-<viewport>.png"
    group: str  # gallery section, e.g. "各角色首页"
    caption: str  # e.g. "专业技术人员（覃海燕）"
    viewport: str
    test: str


@dataclass
class Screens:
    """Numbered screenshots of one test: test-artifacts/screens/<test>/<nn>-<step>-<viewport>.png.

    With `update` (UPDATE_SCREENS=1), shots given `publish=` are copied to docs/screens/browser/.
    """

    folder: Path
    test: str
    update: bool = False
    published: list[Published] = field(default_factory=list)
    count: int = 0

    def take(
        self,
        page: Page,
        step: str,
        viewport: str,
        *,
        full_page: bool = True,
        publish: str | None = None,
        group: str = "",
        caption: str = "",
    ) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{self.count:02d}-{slug(step)}-{viewport}.png"
        page.screenshot(
            path=str(target),
            full_page=full_page,
            animations="disabled",
            style=FULL_PAGE_STYLE if full_page else None,
        )
        if publish and self.update:
            PUBLISHED_DIR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, PUBLISHED_DIR / f"{slug(publish)}-{viewport}.png")
            self.published.append(
                Published(slug(publish), group or "其他", caption or step, viewport, self.test)
            )
        return target


# ---------------------------------------------------------------------------------------------
# One user's tab: the object a journey talks to
# ---------------------------------------------------------------------------------------------


@dataclass
class UI:
    """A browser tab at one viewport, with the suite's helpers. Methods return self to chain."""

    page: Page
    base_url: str
    viewport: str
    screens: Screens
    who: str = ""
    dialogs: list[str] = field(default_factory=list)  # texts of confirm()/alert() accepted

    def __post_init__(self) -> None:
        self.page.on("dialog", lambda dialog: self.dialogs.append(dialog.message))

    @property
    def is_phone(self) -> bool:
        return self.viewport == "phone"

    def goto(self, path: str) -> UI:
        self.page.goto(self.base_url + path)
        return self

    def login(self, name_or_username: str, **kwargs: Any) -> UI:
        username, password = demo_login(name_or_username)
        login(self.page, username, password, base_url=self.base_url, **kwargs)
        self.who = name_or_username
        return self

    def switch_role(self, label_contains: str) -> UI:
        switch_role(self.page, label_contains)
        return self

    def menu_labels(self) -> list[str]:
        return menu_labels(self.page)

    def open_phone_menu(self) -> UI:
        open_phone_menu(self.page)
        return self

    def open_menu(self, label: str) -> UI:
        open_menu(self.page, label)
        return self

    def home(self) -> UI:
        return self.goto("/")

    def click(self, name: str, *, role: str = "button", exact: bool = True) -> UI:
        """Click a button (or link: role="link") by its visible name and wait for the page."""
        self.page.get_by_role(role, name=name, exact=exact).first.click()  # type: ignore[arg-type]
        self.page.wait_for_load_state()
        return self

    def field(self, label: str) -> Locator:
        return form_field(self.page, label)

    def fill(self, label: str, value: str) -> UI:
        form_field(self.page, label).fill(value)
        return self

    def expect_text(self, text: str) -> UI:
        expect(self.page.get_by_text(text).first).to_be_visible()
        return self

    def expect_heading(self, text: str) -> UI:
        expect(self.page.get_by_role("heading", name=text).first).to_be_visible()
        return self

    def shot(
        self,
        step: str,
        *,
        full_page: bool = True,
        publish: str | None = None,
        group: str = "",
        caption: str = "",
        phone_too: bool = False,
    ) -> UI:
        """Screenshot this step (after checking the page fits the window's width).

        `publish="professional-home"` also copies it to docs/screens/browser/ under
        UPDATE_SCREENS=1, in gallery section `group` with `caption`.
        `phone_too=True` (a desktop tab of a test not run under `viewport`) photographs the same
        state again at 390×844 (`at_phone_width`), so the gallery has both widths.
        """
        self.page.wait_for_load_state("load")
        self.page.evaluate("document.fonts.ready.then(() => true)")
        if full_page:
            # A full-page capture of a scrolled page paints the sticky top bar mid-page.
            self.page.evaluate("window.scrollTo(0, 0)")
        self.screens.take(
            self.page,
            step,
            self.viewport,
            full_page=full_page,
            publish=publish,
            group=group,
            caption=caption,
        )
        assert_fits_width(self.page)
        if phone_too and not self.is_phone:
            with at_phone_width(self):
                self.shot(step, full_page=full_page, publish=publish, group=group, caption=caption)
        return self

    def axe(self, **options: Any) -> UI:
        assert_no_serious_axe_violations(self.page, **options)
        return self


# ---------------------------------------------------------------------------------------------
# Journey helpers: forms, lists and queues as the journeys use them
# ---------------------------------------------------------------------------------------------


@contextmanager
def at_phone_width(ui: UI) -> Iterator[UI]:
    """The same tab at 390×844 for a few shots (cheaper than a second login), then back.

    The layout follows CSS widths only, so this shows what a phone shows; touch and the mobile
    user agent are not emulated (tests that need them request the `viewport` fixture).
    `ui.shot(..., phone_too=True)` uses it.
    """
    before = ui.page.viewport_size or VIEWPORTS["desktop"]
    viewport = ui.viewport
    ui.page.set_viewport_size(VIEWPORTS["phone"])
    ui.viewport = "phone"
    try:
        yield ui
    finally:
        ui.page.set_viewport_size(before)
        ui.viewport = viewport


def recent_days(days: int) -> tuple[str, str]:
    """A course of `days` days that ended yesterday (or today), inside this year (ISO dates)."""
    from django.utils import timezone

    today = timezone.localdate()
    end = max(today - datetime.timedelta(days=1), today.replace(month=1, day=1))
    start = max(end - datetime.timedelta(days=days - 1), today.replace(month=1, day=1))
    return start.isoformat(), end.isoformat()


def choose(ui: UI, label: str, option: str) -> UI:
    """Pick `option` (its visible text) in the select labelled `label`, once HTMX has settled
    what it last swapped in (a select changed while it settles keeps the old element's
    attributes and its change goes unheard)."""
    htmx_quiet(ui)
    ui.field(label).select_option(label=option)
    return ui


def htmx_quiet(ui: UI) -> UI:
    """No HTMX request in flight and no swap settling."""
    expect(ui.page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    return ui


def type_in(ui: UI, label: str, text: str) -> UI:
    """Type key by key, as a user does: the key-ups start the form's HTMX hours preview."""
    box = ui.field(label)
    box.fill("")
    box.press_sequentially(text)
    return ui


def settle(ui: UI, *, leave_field: bool = True) -> UI:
    """Let the form's live requests (HTMX) end before the next click.

    With `leave_field` (the default) first press Tab to leave the field typed in: its change
    event asks for the hours. The form asks on change and 400 ms after a key-up; a save clicked
    while one is in flight makes two requests at once, which the live test server's in-memory
    SQLite can refuse ("database table is locked" → 500, "cannot start a transaction within a
    transaction" → 400), so the journeys let the preview finish first.
    `leave_field=False` after a search box's typing: only wait (a late answer would redraw the
    list and drop a choice).
    """
    if leave_field:
        ui.page.keyboard.press("Tab")
    ui.page.wait_for_timeout(450)  # the key-up trigger's delay (400 ms)
    expect(ui.page.locator(".htmx-request")).to_have_count(0)
    return ui


def list_row(ui: UI, title: str) -> Locator:
    """The row of 申报进度查询 (or 单位申报记录) whose 认定内容 is `title` (not its trail row)."""
    return ui.page.locator("#declaration-rows > tr:not(.xs-trail-row)").filter(has_text=title)


def table_row(ui: UI, text: str) -> Locator:
    """The first table row of the page containing `text` (any list: progress, queue, results)."""
    return ui.page.locator("tbody tr", has_text=text).first


def queue_row(ui: UI, text: str) -> Locator:
    """The review queue's row containing `text` (a name or a 认定内容)."""
    return ui.page.locator("tr[id^=review-row-]").filter(has_text=text)


def open_trail(ui: UI, title: str) -> Locator:
    """Click the "+" of a claim in 申报进度查询 and return its opened trail."""
    row = table_row(ui, title)
    pk = (row.get_attribute("id") or "").removeprefix("declaration-")
    row.get_by_role("button", name="展开审核进度").click()
    trail = ui.page.locator(f"#trail-{pk}-body")
    expect(trail.locator(".trail")).to_be_visible()
    return trail


# ---------------------------------------------------------------------------------------------
# Gallery: docs/screens.md
# ---------------------------------------------------------------------------------------------

VIEWPORT_TITLES = {"desktop": "电脑 1366×768", "phone": "手机 390×844"}
# docs/screens/*.png, made outside this suite (scripts/screenshots.py, the feature engineers):
# "<role>-<kind>-<viewport>.png" for the role pages, "<area>-<page>-<viewport>.png" for others.
OTHER_KINDS = {"home": "首页", "menu": "菜单（手机）", "roles": "角色切换"}
OTHER_AREAS = {
    "declaration": "学时申报",
    "review": "审核",
    "ledger": "学时查询与台账",
    "unit": "单位管理",
    "import": "导入",
    "statistics": "统计",
}
OTHER_ROLES = {
    "login": "登录页",
    "professional": "专业技术人员",
    "department_admin": "二级管理员",
    "unit_admin": "单位管理员",
    "supervisor_admin": "主管部门管理员",
    "authority_admin": "认定机构管理员",
    "training_base_admin": "继续教育基地管理员",
    "platform_admin": "平台管理员",
}


def update_manifest(published: list[Published]) -> dict[str, dict[str, Any]]:
    """Merge this run's published shots into docs/screens/browser/manifest.json."""
    manifest: dict[str, dict[str, Any]] = {}
    if MANIFEST.exists():
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    for shot in published:
        entry = manifest.setdefault(shot.stem, {"viewports": []})
        entry.update(group=shot.group, caption=shot.caption, test=shot.test)
        if shot.viewport not in entry["viewports"]:
            entry["viewports"].append(shot.viewport)
    # Forget entries whose files are gone.
    manifest = {
        stem: entry
        for stem, entry in manifest.items()
        if any((PUBLISHED_DIR / f"{stem}-{v}.png").exists() for v in entry["viewports"])
    }
    PUBLISHED_DIR.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


# Gallery sections in this order; a new journey's group goes here (others follow, by name).
GROUP_ORDER = [
    "登录",
    "各角色首页",
    "手机菜单",
    "切换角色",
    "我的信息",
    "更换单位",
    "安阳 · 学时申报与三级审核",
    "安阳 · 无管理单位的两级审核",
    "河南 · 草稿、提交、撤回、修改、删除",
    "河南 · 单位代为申报",
    "河南 · 继续教育基地统一申报",
    "广西 · 登记、批量提交与单位审核",
    "广西 · 二级管理员的部门范围",
    "广西 · 导入学员培训信息",
    "广西 · 单位终审与年度学时",
    "浙江建设 · 学时登记与图片佐证",
    "浙江建设 · 企业审核与省级终审",
    "新疆 · 学时认定申请书",
]


def _cell(path: str, viewport: str, caption: str) -> str:
    if not (GALLERY.parent / path).exists():
        return "—"
    width = 440 if viewport == "desktop" else 200
    alt = f"{caption}（{VIEWPORT_TITLES[viewport]}）"
    return f'<a href="{path}"><img src="{path}" width="{width}" alt="{alt}"></a>'


def _group_key(group: str) -> tuple[int, str]:
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), group)


def write_gallery(manifest: dict[str, dict[str, Any]]) -> None:
    """docs/screens.md: every journey's shots, desktop and phone side by side."""
    lines = [
        "# 界面截图 · Screenshots",
        "",
        "Generated by the browser tests (`tests/browser/`), Playwright driving Debian's Chromium",
        "against the live test server with the demo data. Refresh with:",
        "",
        "    UPDATE_SCREENS=1 .venv/bin/pytest tests/browser",
        "",
        "Every step of every browser test is also saved, numbered, under",
        "`test-artifacts/screens/<test>/` (kept by CI). Click a picture for the full size.",
        "After adding pictures to `docs/screens/` by other means, rewrite this page without a",
        "browser: `.venv/bin/python -m tests.browser.pages`.",
        "",
    ]
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for stem, entry in manifest.items():
        groups.setdefault(entry["group"], []).append((stem, entry))
    header = f"| | {VIEWPORT_TITLES['desktop']} | {VIEWPORT_TITLES['phone']} |"
    for group in sorted(groups, key=_group_key):
        lines += [f"## {group}", "", header, "|---|---|---|"]
        for stem, entry in groups[group]:
            caption = entry["caption"]
            desktop = _cell(f"screens/browser/{stem}-desktop.png", "desktop", caption)
            phone = _cell(f"screens/browser/{stem}-phone.png", "phone", caption)
            lines.append(f"| {caption}<br>`{entry['test']}` | {desktop} | {phone} |")
        lines.append("")
    lines += _other_screens(header)
    GALLERY.write_text("\n".join(lines), encoding="utf-8")


def _other_screens(header: str) -> list[str]:
    folder = GALLERY.parent / "screens"
    stems: dict[str, None] = {}
    for name in sorted(p.name for p in folder.glob("*.png")):
        stems.setdefault(re.sub(r"-(desktop|phone)\.png$", "", name), None)
    if not stems:
        return []
    sections: dict[str, list[tuple[str, str]]] = {}
    for stem in stems:
        head, _, rest = stem.partition("-")
        if head in OTHER_ROLES:
            title = "各角色"
            caption = OTHER_ROLES[head] + (f" · {OTHER_KINDS.get(rest, rest)}" if rest else "")
        else:
            title = OTHER_AREAS.get(head, head)
            caption = rest or head
        sections.setdefault(title, []).append((stem, caption))
    lines = [
        "## 其他页面截图（docs/screens/）",
        "",
        "Made outside this suite, by `scripts/screenshots.py` against a running server",
        "(see [screens/README.md](screens/README.md)) and by the features' own scripts.",
        "",
    ]
    for title, entries in sections.items():
        lines += [f"### {title}", "", header, "|---|---|---|"]
        for stem, caption in entries:
            desktop = _cell(f"screens/{stem}-desktop.png", "desktop", caption)
            phone = _cell(f"screens/{stem}-phone.png", "phone", caption)
            lines.append(f"| {caption} | {desktop} | {phone} |")
        lines.append("")
    return lines


if __name__ == "__main__":
    # Rewrite docs/screens.md from the manifest and the files present, without a browser:
    #   .venv/bin/python -m tests.browser.pages
    write_gallery(update_manifest([]))
