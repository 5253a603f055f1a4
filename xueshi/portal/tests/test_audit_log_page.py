"""安全审计: only the audit admin reads and exports the audit log; reading writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.accounts.models import RoleKind
from xueshi.accounts.tests.factories import RoleAssignmentFactory, UserFactory, login_data
from xueshi.core.audit import audit_record
from xueshi.core.audit_guards import guards_lifted
from xueshi.core.models import AuditLog, AuditResult
from xueshi.portal.demo import DEMO_PASSWORD, load_demo
from xueshi.portal.tests.test_layout import make_role

pytestmark = pytest.mark.django_db

PAGE = reverse("core:audit_log")
EXPORT = reverse("core:audit_log_export")


@pytest.fixture
def auditor(client):
    role = RoleAssignmentFactory.create(kind=RoleKind.AUDIT_ADMIN, organization=None)
    client.force_login(role.user)
    return role


def _rows(n: int, **kwargs):
    return [
        audit_record(action=f"test.row{i}", actor=UserFactory.create(), **kwargs) for i in range(n)
    ]


def test_the_audit_admin_sees_the_log_newest_first(client, auditor):
    _rows(3)
    response = client.get(PAGE)
    assert response.status_code == 200
    actions = [row.action for row in response.context["page"].object_list]
    assert actions[:3] == ["test.row2", "test.row1", "test.row0"]
    assert "审计日志" in response.content.decode()


@pytest.mark.parametrize("kind", [kind for kind in RoleKind if kind != RoleKind.AUDIT_ADMIN])
def test_no_other_role_reads_or_exports_the_log(client, kind):
    role = make_role(kind)
    client.force_login(role.user)
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT, {"format": "csv"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_filters_by_user_action_date_range_object_and_result(client, auditor):
    alice = UserFactory.create(full_name="王审计对象")
    target = UserFactory.create()
    audit_record(action="person.read", actor=alice, target=target)
    audit_record(action="auth.login_failed", result=AuditResult.FAILURE)
    old = audit_record(action="person.read", actor=alice)
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=30))

    def found(**params):
        page = client.get(PAGE, params).context["page"]
        return sorted(row.pk for row in page.object_list)

    assert len(found(user="王审计")) == 2
    assert len(found(action="person.")) == 2
    assert len(found(result="failure")) == 1
    assert found(target=f"accounts.user#{target.pk}") == [
        AuditLog.objects.get(target_id=str(target.pk), action="person.read").pk
    ]
    today = timezone.localdate().isoformat()
    assert old.pk not in found(date_from=today, date_to=today)
    assert old.pk in found(date_to=(timezone.localdate() - timedelta(days=29)).isoformat())


def test_the_page_takes_the_same_queries_for_5_and_60_rows(client, auditor):
    _rows(5)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    _rows(55)
    with CaptureQueriesContext(connection) as many:
        client.get(PAGE)
    assert len(many) == len(few)


def test_reading_the_page_writes_nothing(client, auditor):
    _rows(3)
    before = AuditLog.objects.count()
    with CaptureQueriesContext(connection) as queries:
        client.get(PAGE, {"action": "test."})
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]
    assert writes == []
    assert AuditLog.objects.count() == before


def test_the_csv_export_holds_the_filtered_rows_masked_and_is_itself_audited(client, auditor):
    actor = UserFactory.create(username="110101199003074514", full_name="张三")
    audit_record(action="person.read", actor=actor)
    audit_record(action="auth.login")

    response = client.get(EXPORT, {"format": "csv", "action": "person."})

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["编号", "时间", "操作人"]
    assert [row[5] for row in rows[1:]] == ["person.read"]
    assert "110101199003074514" not in text
    assert "张三 (110101********4514)" in text
    export = AuditLog.objects.filter(action="export").latest("id")
    assert export.actor_id == auditor.user_id
    assert export.role == RoleKind.AUDIT_ADMIN


def test_the_demo_has_an_audit_admin_login_that_lands_in_the_audit_role(client):
    logins = load_demo()
    assert [login.username for login in logins if login.role == "审计管理员"] == ["audit"]
    response = client.post(
        reverse("accounts:login"), login_data("audit", DEMO_PASSWORD), REMOTE_ADDR="198.51.100.1"
    )
    assert response.status_code == 302
    # An audit admin enrols a second factor at the first login (issue 21 item 1).
    assert client.get(PAGE)["Location"].startswith(reverse("accounts:otp_setup"))
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user__username="audit", confirmed=False)
    client.post(reverse("accounts:otp_setup"), {"token": f"{TOTP(device.bin_key).token():06d}"})
    assert client.get(PAGE).status_code == 200
    login = AuditLog.objects.filter(action="auth.login").latest("id")
    assert (login.role, login.ip_address) == (RoleKind.AUDIT_ADMIN, "198.51.100.1")
