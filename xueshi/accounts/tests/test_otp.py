"""Issue 21 item 1: "TOTP (django-otp) required for authority and platform admins, optional for
others, with recovery codes". Tests enrol through the pages with a computed code."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.accounts.models import RoleKind, User
from xueshi.accounts.otp import TOTP_REQUIRED_KINDS, totp_required
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    RoleAssignmentFactory,
    UserFactory,
    login_data,
    user_of,
)
from xueshi.core.models import AuditLog, AuditResult
from xueshi.orgs.tests.factories import AuthorityFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
SETUP_URL = reverse("accounts:otp_setup")
VERIFY_URL = reverse("accounts:otp_verify")
HOME = reverse("core:home")


def admin(kind: str = RoleKind.AUTHORITY_ADMIN, username: str = "gx_rsj") -> User:
    user = UserFactory.create(username=username)
    organization = AuthorityFactory.create() if kind == RoleKind.AUTHORITY_ADMIN else None
    user.roles.create(kind=kind, organization=organization)
    return user


def password_login(username: str) -> Client:
    client = Client()
    response = client.post(LOGIN_URL, login_data(username, TEST_PASSWORD))
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def code_for(device: TOTPDevice, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + later * device.step
    return f"{totp.token():06d}"


def enrol(client: Client, user: User) -> list[str]:
    """Through the enrolment page: the secret it shows, the code computed from it."""
    page = client.get(SETUP_URL)
    assert page.status_code == 200
    secret = re.search(r'data-otp-secret="([A-Z2-7]+)"', page.content.decode())
    assert secret is not None
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP_URL, {"token": code_for(device), "next": HOME})
    assert response.status_code == 200
    codes: list[str] = response.context["codes"]
    return codes


@pytest.mark.parametrize("kind", sorted(TOTP_REQUIRED_KINDS))
def test_required_for_authority_platform_and_the_three_separated_admins(kind: str) -> None:
    assert totp_required(admin(kind, f"u-{kind}"))


def test_optional_for_the_others() -> None:
    unit_admin = RoleAssignmentFactory.create(kind=RoleKind.UNIT_ADMIN)
    supervisor = RoleAssignmentFactory.create(
        kind=RoleKind.SUPERVISOR_ADMIN, organization=SupervisorFactory.create()
    )

    assert not totp_required(unit_admin.user)
    assert not totp_required(supervisor.user)
    assert not totp_required(user_of(PersonFactory.create()))


def test_an_unenrolled_admins_first_login_goes_to_enrolment_and_holds_every_page() -> None:
    user = admin()
    client = password_login("gx_rsj")

    for url in (HOME, reverse("accounts:password_change"), reverse("review:queue")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SETUP_URL)
    page = client.get(SETUP_URL).content.decode()
    assert "绑定动态口令" in page
    assert "<svg" in page  # the QR code, inline, no script
    assert "<script>" not in page
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_enrolment_with_the_apps_code_gives_ten_recovery_codes_and_opens_the_site() -> None:
    user = admin()
    client = password_login("gx_rsj")

    codes = enrol(client, user)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert client.get(HOME).status_code == 200
    row = AuditLog.objects.get(action="otp.enrol", result=AuditResult.SUCCESS)
    assert row.actor == user


def test_a_wrong_code_does_not_enrol() -> None:
    user = admin()
    client = password_login("gx_rsj")
    client.get(SETUP_URL)

    response = client.post(SETUP_URL, {"token": "12345x"})

    assert response.status_code == 200
    assert "动态口令或恢复码不正确，请重新输入。" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get(HOME).status_code == 302


def test_an_enrolled_admin_gives_the_code_after_the_password() -> None:
    user = admin()
    enrol(password_login("gx_rsj"), user)
    device = TOTPDevice.objects.get(user=user)

    client = password_login("gx_rsj")
    assert client.get(HOME)["Location"].startswith(VERIFY_URL)
    wrong = client.post(VERIFY_URL, {"token": "abc", "next": HOME})
    assert "动态口令或恢复码不正确" in wrong.content.decode()
    # A failure throttles the device (1 s, doubling with each further failure).
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    throttled = client.post(VERIFY_URL, {"token": code_for(device, later=1), "next": HOME})
    assert throttled.status_code == 200
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(VERIFY_URL, {"token": code_for(device, later=1), "next": HOME})

    assert response.status_code == 302 and response["Location"] == HOME
    assert client.get(HOME).status_code == 200
    assert AuditLog.objects.filter(action="otp.verify", result=AuditResult.FAILURE).count() == 2
    assert AuditLog.objects.filter(action="otp.verify", result=AuditResult.SUCCESS).count() == 1


def test_a_recovery_code_works_once() -> None:
    user = admin()
    codes = enrol(password_login("gx_rsj"), user)

    first = password_login("gx_rsj")
    assert first.post(VERIFY_URL, {"token": codes[0], "next": HOME}).status_code == 302
    assert first.get(HOME).status_code == 200
    second = password_login("gx_rsj")
    again = second.post(VERIFY_URL, {"token": codes[0], "next": HOME})

    assert again.status_code == 200
    assert second.get(HOME).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_the_verify_page_does_not_redirect_elsewhere() -> None:
    user = admin()
    enrol(password_login("gx_rsj"), user)
    client = password_login("gx_rsj")
    device = TOTPDevice.objects.get(user=user)

    response = client.post(
        VERIFY_URL, {"token": code_for(device, later=1), "next": "https://evil.example/"}
    )

    assert response["Location"] == HOME


def test_a_professional_logs_in_without_a_code_and_may_enrol() -> None:
    person = PersonFactory.create()
    client = password_login(person.id_number)
    assert client.get(HOME).status_code == 200
    manage = client.get(reverse("accounts:otp_manage")).content.decode()
    assert "未绑定" in manage and "可选" in manage

    enrol(client, user_of(person))

    later = password_login(person.id_number)
    assert later.get(HOME)["Location"].startswith(VERIFY_URL)


def test_renewing_recovery_codes_voids_the_old_ones() -> None:
    user = admin()
    client = password_login("gx_rsj")
    old = enrol(client, user)

    response = client.post(reverse("accounts:otp_recovery_codes"))

    new = response.context["codes"]
    assert not set(old) & set(new)
    assert set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    ) == set(new)
    assert AuditLog.objects.filter(action="otp.recovery_codes").count() == 1


@pytest.mark.parametrize(
    "token",
    ["", " ", "1" * 30, "𠮷𠮷𠮷", "ئۇيغۇر", "' OR 1=1 --", "<script>", "-123456", "１２３４５６"],
)
def test_hostile_codes_are_refused_with_a_message_never_an_error(token: str) -> None:
    user = admin()
    enrol(password_login("gx_rsj"), user)
    client = password_login("gx_rsj")

    response = client.post(VERIFY_URL, {"token": token, "next": HOME})

    assert response.status_code == 200
    html = response.content.decode()
    assert any(
        message in html
        for message in ("请输入动态口令。", "动态口令或恢复码不正确", "动态口令为 6 位数字")
    )
    assert client.get(HOME).status_code == 302
