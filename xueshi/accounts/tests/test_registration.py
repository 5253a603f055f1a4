"""个人注册 (issue 17 item 3): registration where the region's profile allows it, the pending
login, the unit's and (Zhejiang) the supervising department's approval, refusal with a reason,
duplicate ID numbers, messages at each step, scope and the rate limit."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.accounts.models import Person, Registration, RegistrationStatus, RoleKind
from xueshi.accounts.registration import (
    ALREADY_DECIDED,
    ALREADY_REGISTERED,
    ALREADY_WAITING,
    REGION_CLOSED,
    registration_approve,
    registration_refuse,
    registration_submit,
)
from xueshi.accounts.tests.factories import (
    TEST_PASSWORD,
    PersonFactory,
    RoleAssignmentFactory,
    login_data,
)
from xueshi.core.messaging import OutboxSmsSender
from xueshi.core.models import AuditLog
from xueshi.core.testing import make_id_number
from xueshi.notifications.models import Notification
from xueshi.orgs.models import Organization
from xueshi.orgs.tests.factories import (
    AuthorityFactory,
    SupervisorFactory,
    UnitFactory,
    act_as,
)

pytestmark = pytest.mark.django_db
PASSWORD = "Tian-Shan-2026!"
LOGIN_URL = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _fresh_outbox_and_limits():
    OutboxSmsSender.outbox.clear()
    cache.clear()
    yield
    OutboxSmsSender.outbox.clear()


def _region(profile: str, region_code: str) -> tuple[Organization, Organization, Organization]:
    authority = AuthorityFactory.create(policy_profile=profile, region_code=region_code)
    supervisor = SupervisorFactory.create(parent=authority, region_code=region_code)
    unit = UnitFactory.create(parent=supervisor, region_code=region_code[:4] + "02")
    return authority, supervisor, unit


@pytest.fixture
def xinjiang():
    """The unit approves alone."""
    return _region("xinjiang", "650000")


@pytest.fixture
def zhejiang():
    """The unit, then the supervising department (主管部门)."""
    return _region("zhejiang_construction", "330000")


def _id_number(sequence: int = 1) -> str:
    return make_id_number("650102", datetime.date(1990, 3, 4), sequence)


def _register(unit: Organization, sequence: int = 1, **extra: str) -> Registration:
    values = {
        "id_number": _id_number(sequence),
        "name": "买买提",
        "phone": "13912345678",
        "password": PASSWORD,
        "email": "",
        **extra,
    }
    return registration_submit(unit=unit, **values)


def _admin(kind: str, organization: Organization):
    return RoleAssignmentFactory.create(kind=kind, organization=organization)


def _login(client: Client, id_number: str, password: str = PASSWORD):
    return client.post(LOGIN_URL, login_data(id_number, password))


def _form_data(unit: Organization, region: Organization, **extra: str) -> dict[str, str]:
    return {
        "region": str(region.pk),
        "id_number": _id_number(7),
        "name": "古丽",
        "phone": "13912345670",
        "email": "guli@example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "unit": str(unit.pk),
        "captcha_0": "x",
        "captcha_1": "PASSED",
        **extra,
    }


# ---- registering ------------------------------------------------------------------------------


def test_the_public_form_registers_a_pending_account_with_encrypted_id_and_phone(client, xinjiang):
    authority, _, unit = xinjiang
    page = client.get(reverse("accounts:register"), {"region": authority.pk})
    assert page.status_code == 200 and "专业技术人员注册" in page.content.decode()

    response = client.post(reverse("accounts:register"), _form_data(unit, authority))

    assert response.status_code == 302 and response["Location"] == LOGIN_URL
    person = Person.objects.by_id_number(_id_number(7)).get()
    assert person.registration.unit == unit and person.phone == "13912345670"
    assert person.unit is None  # not on the unit's staff before it approves
    assert person.user is not None and not person.user.is_active
    assert person.user.check_password(PASSWORD) and not person.user.must_change_password
    assert person.registration.status == RegistrationStatus.UNIT_REVIEW
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM accounts_person WHERE id = %s", [person.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert _id_number(7) not in stored_id and "13912345670" not in stored_phone
    assert AuditLog.objects.filter(action="registration.submit").count() == 1


def test_the_form_shows_each_problem_at_its_field(client, xinjiang):
    authority, _, unit = xinjiang
    data = _form_data(
        unit, authority, id_number="650102199003041230", password1="short", password2="other"
    )
    response = client.post(reverse("accounts:register"), data)

    form = response.context["form"]
    assert response.status_code == 200
    assert "id_number" in form.errors  # a wrong check character
    assert "两次输入的密码不一致。" in form.errors["password2"]
    assert not Person.objects.exists()


def test_the_password_policy_applies(client, xinjiang):
    authority, _, unit = xinjiang
    data = _form_data(unit, authority, password1="abcdefgh", password2="abcdefgh")
    response = client.post(reverse("accounts:register"), data)
    assert "password1" in response.context["form"].errors
    assert not Person.objects.exists()


def test_a_region_whose_profile_does_not_allow_it_refuses(client):
    _, _, guangxi_unit = _region("guangxi", "450000")
    with pytest.raises(ValidationError) as refused:
        _register(guangxi_unit)
    assert REGION_CLOSED in str(refused.value)
    assert not Person.objects.exists()


def test_the_home_offers_registration_only_where_the_profile_allows_it(client, xinjiang):
    authority, _, _ = xinjiang
    guangxi = AuthorityFactory.create(policy_profile="guangxi", region_code="450000")
    register = reverse("accounts:register")
    assert register in client.get("/", {"region": authority.pk}).content.decode()
    assert register not in client.get("/", {"region": guangxi.pk}).content.decode()


def test_an_id_number_already_registered_gets_a_clear_message_and_no_second_account(
    client, xinjiang
):
    authority, _, unit = xinjiang
    known = PersonFactory.create(id_number=_id_number(7), unit=unit)
    response = client.post(reverse("accounts:register"), _form_data(unit, authority))

    assert ALREADY_REGISTERED in response.context["form"].errors["id_number"]
    assert Person.objects.by_id_number(_id_number(7)).count() == 1
    assert not Registration.objects.filter(person=known).exists()


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_id_number_at_once_make_one_account(xinjiang):
    _, _, unit = xinjiang
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            _register(unit, sequence=3)
            outcomes.append("registered")
        except ValidationError as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("registered") == 1 and len(outcomes) == 2
    # The second learns of the first either at the unique index (the first not yet committed)
    # or by finding its waiting registration (committed just before): a clear refusal both ways.
    [refusal] = [outcome for outcome in outcomes if outcome != "registered"]
    assert ALREADY_REGISTERED in refusal or ALREADY_WAITING in refusal
    assert Person.objects.by_id_number(_id_number(3)).count() == 1


def test_the_registration_post_is_rate_limited_per_address(client, xinjiang, settings):
    authority, _, unit = xinjiang
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {**settings.RATELIMITS, "registration": "2/3600"}
    data = _form_data(unit, authority, password2="mismatch")
    statuses = [client.post(reverse("accounts:register"), data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_unit_search_of_the_form_is_public_and_finds_units_of_the_region(client, xinjiang):
    authority, _, unit = xinjiang
    elsewhere = UnitFactory.create(name=unit.name + "分校", region_code="450102")
    response = client.get(
        reverse("accounts:register_unit_search"), {"region": authority.pk, "q": unit.name}
    )
    assert response.status_code == 200
    assert f'data-choose-unit="{unit.pk}"' in response.content.decode()
    assert f'data-choose-unit="{elsewhere.pk}"' not in response.content.decode()


# ---- logging in while pending ---------------------------------------------------------------


def test_a_pending_account_cannot_log_in_and_is_told_why_only_with_its_password(client, xinjiang):
    _, _, unit = xinjiang
    _register(unit)

    right = _login(client, _id_number())
    wrong = _login(Client(), _id_number(), "Wrong-Password-1")

    assert right.status_code == 200 and "账号待单位审核" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert "账号待单位审核" not in wrong.content.decode()
    assert "账号或密码错误" in wrong.content.decode()


# ---- the approval chain per profile ---------------------------------------------------------


def test_xinjiang_the_unit_approves_and_the_person_logs_in(client, xinjiang):
    _, _, unit = xinjiang
    registration = _register(unit, email="maimaiti@example.cn")
    admin = _admin(RoleKind.UNIT_ADMIN, unit)
    act_as(client, admin)

    response = client.post(
        reverse("accounts:registration_decide", args=[registration.pk, "approve"])
    )

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    assert registration.unit_decided_by == admin.user
    assert registration.person.user.is_active
    assert registration.person.unit == unit
    audit = AuditLog.objects.get(action="registration.approve")
    assert (audit.from_state, audit.to_state) == ("unit_review", "approved")
    person_client = Client()
    assert _login(person_client, _id_number()).status_code == 302
    assert "_auth_user_id" in person_client.session


def test_zhejiang_the_unit_then_the_supervising_department_approves(client, zhejiang):
    _, supervisor, unit = zhejiang
    registration = _register(unit)
    assert registration.supervisor == supervisor

    registration_approve(
        registration=registration, role=_admin(RoleKind.UNIT_ADMIN, unit), actor=None
    )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SUPERVISOR_REVIEW
    assert not registration.person.user.is_active
    waiting = _login(Client(), _id_number())
    assert "待主管部门审批" in waiting.content.decode()

    supervisor_admin = _admin(RoleKind.SUPERVISOR_ADMIN, supervisor)
    act_as(client, supervisor_admin)
    queue = client.get(reverse("accounts:registrations"))
    assert registration.person.name in queue.content.decode()
    client.post(reverse("accounts:registration_decide", args=[registration.pk, "approve"]))

    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    assert registration.supervisor_decided_by == supervisor_admin.user
    assert _login(Client(), _id_number()).status_code == 302


def test_the_supervisor_does_not_see_what_its_unit_has_not_approved(client, zhejiang):
    _, supervisor, unit = zhejiang
    registration = _register(unit)
    act_as(client, _admin(RoleKind.SUPERVISOR_ADMIN, supervisor))
    assert (
        registration.person.name
        not in client.get(reverse("accounts:registrations")).content.decode()
    )
    with pytest.raises(ValidationError):
        registration_approve(
            registration=registration,
            role=_admin(RoleKind.SUPERVISOR_ADMIN, supervisor),
            actor=None,
        )


def test_refusal_needs_a_reason_and_tells_the_person(
    client, xinjiang, django_capture_on_commit_callbacks
):
    _, _, unit = xinjiang
    registration = _register(unit, email="maimaiti@example.cn")
    act_as(client, _admin(RoleKind.UNIT_ADMIN, unit))
    url = reverse("accounts:registration_decide", args=[registration.pk, "refuse"])

    client.post(url, {"reason": "  "})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.UNIT_REVIEW

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "本单位无此人员"})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REFUSED
    assert registration.reason == "本单位无此人员"
    assert not registration.person.user.is_active
    assert AuditLog.objects.get(action="registration.refuse").reason == "本单位无此人员"
    told = Notification.objects.filter(recipient=registration.person.user).first()
    assert told is not None and "本单位无此人员" in told.message
    login = _login(Client(), _id_number())
    assert "未通过审核" in login.content.decode() and "本单位无此人员" in login.content.decode()


def test_a_refused_person_may_register_again_on_the_same_rows(xinjiang):
    _, _, unit = xinjiang
    first = _register(unit)
    registration_refuse(
        registration=first, role=_admin(RoleKind.UNIT_ADMIN, unit), actor=None, reason="信息有误"
    )
    again = _register(unit, name="买买提·艾力")
    assert again.pk == first.pk and again.status == RegistrationStatus.UNIT_REVIEW
    assert again.person.name == "买买提·艾力" and again.reason == ""
    assert Person.objects.by_id_number(_id_number()).count() == 1


def test_a_waiting_registration_cannot_be_sent_twice(xinjiang):
    _, _, unit = xinjiang
    _register(unit)
    with pytest.raises(ValidationError) as refused:
        _register(unit)
    assert "正在等待审核" in str(refused.value)


def test_the_person_is_told_at_each_step_by_sms_email_and_the_bell(
    django_capture_on_commit_callbacks, zhejiang
):
    _, supervisor, unit = zhejiang
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(unit, email="qian@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        registration_approve(
            registration=registration, role=_admin(RoleKind.UNIT_ADMIN, unit), actor=None
        )
    with django_capture_on_commit_callbacks(execute=True):
        registration_approve(
            registration=registration,
            role=_admin(RoleKind.SUPERVISOR_ADMIN, supervisor),
            actor=None,
        )

    texts = [text for phone, text in OutboxSmsSender.outbox if phone == "13912345678"]
    assert len(texts) == 3
    assert "已提交" in texts[0] and "等待“" + supervisor.name in texts[1]
    assert "审核通过" in texts[2]
    assert [m.to for m in mail.outbox] == [["qian@example.cn"]] * 3
    bell = Notification.objects.filter(recipient=registration.person.user)
    assert bell.count() == 3


# ---- one move for two approvers; nobody decides their own; scope ----------------------------


def test_two_approvers_make_one_move(xinjiang):
    _, _, unit = xinjiang
    registration = _register(unit)
    first, second = _admin(RoleKind.UNIT_ADMIN, unit), _admin(RoleKind.UNIT_ADMIN, unit)
    registration_approve(registration=registration, role=first, actor=first.user)
    with pytest.raises(ValidationError) as second_try:
        registration_refuse(
            registration=registration, role=second, actor=second.user, reason="晚了一步"
        )
    assert ALREADY_DECIDED in str(second_try.value)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.APPROVED
    assert (
        AuditLog.objects.filter(action__startswith="registration.")
        .exclude(action="registration.submit")
        .count()
        == 1
    )


def test_nobody_decides_their_own_registration(xinjiang):
    _, _, unit = xinjiang
    registration = _register(unit)
    own_role = _admin(RoleKind.UNIT_ADMIN, unit)
    with pytest.raises(PermissionDenied):
        registration_approve(
            registration=registration, role=own_role, actor=registration.person.user
        )


def test_a_unit_admin_of_another_unit_gets_404(client, xinjiang):
    _, supervisor, unit = xinjiang
    registration = _register(unit)
    other_unit = UnitFactory.create(parent=supervisor, region_code="650102")
    act_as(client, _admin(RoleKind.UNIT_ADMIN, other_unit))

    queue = client.get(reverse("accounts:registrations"))
    decide = client.post(reverse("accounts:registration_decide", args=[registration.pk, "approve"]))

    assert registration.person.name not in queue.content.decode()
    assert decide.status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.UNIT_REVIEW


def test_a_professional_cannot_open_the_queue(client, xinjiang):
    _, _, unit = xinjiang
    person = PersonFactory.create(unit=unit)
    client.post(LOGIN_URL, login_data(person.id_number, TEST_PASSWORD))
    assert client.get(reverse("accounts:registrations")).status_code == 403


def test_the_queue_is_paginated_and_its_queries_do_not_grow_with_rows(client, xinjiang):
    _, _, unit = xinjiang
    for sequence in range(3):
        _register(unit, sequence=10 + sequence)
    act_as(client, _admin(RoleKind.UNIT_ADMIN, unit))
    url = reverse("accounts:registrations")

    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    for sequence in range(22):
        _register(unit, sequence=20 + sequence)
    with CaptureQueriesContext(connection) as twenty_five:
        response = client.get(url)

    assert len(three) == len(twenty_five)
    assert response.context["page"].paginator.count == 25
    assert len(response.context["page"].object_list) == 20
    page = response.content.decode()
    assert _id_number(20) not in page  # masked
    assert "第 1 / 2 页" in page


def test_the_menu_offers_the_queue_by_region(client, xinjiang):
    _, _, unit = xinjiang
    _, _, guangxi_unit = _region("guangxi", "450000")
    act_as(client, _admin(RoleKind.UNIT_ADMIN, unit))
    assert "个人注册审核" in client.get(reverse("core:home")).content.decode()
    act_as(client, _admin(RoleKind.UNIT_ADMIN, guangxi_unit))
    assert "个人注册审核" not in client.get(reverse("core:home")).content.decode()


def test_the_password_may_not_hold_the_id_number(xinjiang):
    _, _, unit = xinjiang
    with pytest.raises(ValidationError) as refused:
        _register(unit, password="Ab!" + _id_number()[-6:] + "xy")
    assert "身份证号" in str(refused.value)
