"""The JSON API (issue 19): keys and their scopes, each endpoint's refusals, idempotent
replays, a batch with bad records, one error body, the rate limit and the audit of key use."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from xueshi.accounts.roles import ACTIVE_ROLE_SESSION_KEY
from xueshi.api.keys import api_key_create, scopes_for
from xueshi.api.models import ApiKey, ApiScope
from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.models import GeneralRecord
from xueshi.ledger.selectors import year_compliance
from xueshi.review.tests.test_views import THIS_YEAR, anyang_claim, guangxi_claim

pytestmark = pytest.mark.django_db

API = "/api/v1"


def key_for(role: Any, *scopes: str) -> str:
    return api_key_create(role=role, actor=role.user, name="测试", scopes=scopes).secret


def calling(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", headers=headers
    )


def as_person(role: Any, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(role.user)
    session = client.session
    session[ACTIVE_ROLE_SESSION_KEY] = role.pk
    session.save()
    return client


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "field_errors"}
    return body


# --- schema and docs ---------------------------------------------------------------------------


def test_the_schema_and_the_docs_are_served_from_local_files(client):
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert f"{API}/completions" in schema["paths"]
    docs = client.get(f"{API}/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()


def test_no_credentials_is_401_in_the_one_error_body(client):
    response = client.get(f"{API}/declarations")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    revoked_like = calling("xs_deadbeef_not-a-real-key").get(f"{API}/declarations")
    assert revoked_like.status_code == 401


# --- keys --------------------------------------------------------------------------------------


def test_a_key_is_shown_once_and_only_its_digest_is_kept(demo):
    role = demo.role("gx_gxu")
    made = api_key_create(
        role=role, actor=role.user, name="省级系统", scopes=[ApiScope.DECLARATIONS_READ]
    )
    stored = ApiKey.objects.get(pk=made.key.pk)
    assert made.secret.startswith(f"xs_{stored.prefix}_")
    assert made.secret not in {stored.digest, stored.prefix, stored.name}
    assert len(stored.digest) == 64  # SM3
    assert AuditLog.objects.filter(action="api.key_create", target_id=str(stored.pk)).exists()


def test_a_key_carries_only_scopes_its_role_holds_on_the_pages(demo):
    unit_admin = demo.role("gx_gxu")
    offered = {code for code, _ in scopes_for(unit_admin)}
    assert ApiScope.REVIEWS_WRITE in offered
    assert ApiScope.COMPLETIONS_WRITE not in offered  # 公需科目导入 is the authority's
    with pytest.raises(ValidationError) as refused:
        key_for(unit_admin, ApiScope.COMPLETIONS_WRITE)
    assert "当前角色不能授予" in str(refused.value)


def test_the_key_page_shows_the_secret_once_and_revoking_ends_it(demo):
    role = demo.role("gx_gxu")
    page = as_person(role)
    made = page.post(
        reverse("api:keys"), {"name": "学习平台", "scopes": [ApiScope.DECLARATIONS_READ]}
    )
    secret = made.context["new_secret"]
    assert secret in made.content.decode()
    assert secret not in page.get(reverse("api:keys")).content.decode()
    assert calling(secret).get(f"{API}/declarations").status_code == 200

    key = ApiKey.objects.get(name="学习平台")
    page.post(reverse("api:key_revoke", args=[key.pk]))
    assert calling(secret).get(f"{API}/declarations").status_code == 401
    assert AuditLog.objects.filter(action="api.key_revoke").exists()


def test_another_organisations_key_cannot_be_revoked(demo):
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)
    key = ApiKey.objects.get(prefix=secret.split("_")[1])
    other = as_person(demo.role("gx_nnyz"))
    assert other.post(reverse("api:key_revoke", args=[key.pk])).status_code == 404
    assert ApiKey.objects.get(pk=key.pk).active


def test_every_use_of_a_key_is_in_the_audit_log(demo):
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)
    calling(secret).get(f"{API}/declarations")
    calling(secret).get(f"{API}/declarations")
    uses = AuditLog.objects.filter(action="api.key_use")
    assert uses.count() == 2
    assert uses.first().details["path"] == f"{API}/declarations"


# --- completions -------------------------------------------------------------------------------


def records(demo: Any) -> list[dict[str, Any]]:
    inside = demo.person("覃海燕")
    outside = demo.person("赵磊")  # Henan: not the Guangxi authority's
    day = datetime.date(THIS_YEAR, 3, 1).isoformat()
    return [
        {"record_id": "A-1", "id_number": inside.id_number, "name": inside.name,
         "course": "数字经济与创新发展", "hours": "6", "completed_on": day},
        {"record_id": "A-2", "id_number": "110101199003076598", "course": "网络安全",
         "hours": "3", "completed_on": day},
        {"record_id": "A-3", "id_number": outside.id_number, "course": "法治建设",
         "hours": "4", "completed_on": day},
    ]  # fmt: skip


def test_a_batch_records_the_good_and_says_why_each_bad_one_was_refused(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.COMPLETIONS_WRITE)
    person = demo.person("覃海燕")
    before = year_compliance(person, THIS_YEAR).general_hours

    response = post(
        calling(secret), "/completions", {"provider": "广西专技天空", "records": records(demo)}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["unchanged"], body["refused"]) == (1, 0, 2)
    results = {line["record_id"]: line for line in body["results"]}
    assert results["A-1"]["result"] == "created"
    assert results["A-2"]["result"] == "refused"
    assert "不存在" in results["A-2"]["reason"] or "校验" in results["A-2"]["reason"]
    assert results["A-3"]["result"] == "refused"
    assert "不在本机构管辖范围内" in results["A-3"]["reason"]
    assert year_compliance(person, THIS_YEAR).general_hours == before + Decimal(6)
    assert not GeneralRecord.objects.filter(record_id="A-3").exists()


def test_the_same_batch_twice_leaves_the_ledger_unchanged(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.COMPLETIONS_WRITE)
    person = demo.person("覃海燕")
    batch = {"provider": "广西专技天空", "records": records(demo)[:1]}
    post(calling(secret), "/completions", batch)
    after_first = year_compliance(person, THIS_YEAR).general_hours

    again = post(calling(secret), "/completions", batch).json()

    assert (again["created"], again["unchanged"]) == (0, 1)
    assert again["results"][0]["result"] == "unchanged"
    assert year_compliance(person, THIS_YEAR).general_hours == after_first


def test_an_idempotency_key_replays_the_first_reply_and_refuses_another_body(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.COMPLETIONS_WRITE)
    batch = {"provider": "广西专技天空", "records": records(demo)[:1]}
    first = post(calling(secret), "/completions", batch, **{"Idempotency-Key": "batch-7"})
    second = post(calling(secret), "/completions", batch, **{"Idempotency-Key": "batch-7"})
    assert second.json() == first.json()  # "created": 1 again, nothing done twice
    assert second.headers["Idempotent-Replayed"] == "true"
    assert GeneralRecord.objects.filter(record_id="A-1").count() == 1

    other = {"provider": "广西专技天空", "records": records(demo)[1:2]}
    reused = post(calling(secret), "/completions", other, **{"Idempotency-Key": "batch-7"})
    assert reused.status_code == 422
    assert error_of(reused)["code"] == "idempotency_key_reused"


def test_a_key_without_the_scope_is_refused_403(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.LEDGER_READ)
    response = post(calling(secret), "/completions", {"provider": "x", "records": records(demo)})
    assert response.status_code == 403
    assert "completions:write" in error_of(response)["message"]
    assert not GeneralRecord.objects.exists()


def test_a_malformed_batch_names_the_field(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.COMPLETIONS_WRITE)
    bad = records(demo)[:1]
    bad[0]["hours"] = "1001"
    response = post(calling(secret), "/completions", {"provider": "x", "records": bad})
    assert response.status_code == 422
    body = error_of(response)
    assert body["code"] == "invalid"
    assert "records.0.hours" in body["field_errors"]


def test_more_than_1000_records_are_refused(demo):
    secret = key_for(demo.role("gx_rst"), ApiScope.COMPLETIONS_WRITE)
    many = records(demo)[:1] * 1001
    response = post(calling(secret), "/completions", {"provider": "x", "records": many})
    assert response.status_code == 422
    assert "records" in error_of(response)["field_errors"]


# --- declarations and review --------------------------------------------------------------------


def test_a_units_key_lists_its_claims_masked_and_another_units_claim_is_404(demo):
    mine = guangxi_claim(demo)  # 覃海燕, 广西大学
    theirs = anyang_claim(demo)
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)

    rows = calling(secret).get(f"{API}/declarations").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["status"] == "pending"
    assert rows[0]["status_word"]
    person = demo.person("覃海燕")
    assert rows[0]["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]

    assert calling(secret).get(f"{API}/declarations/{mine.pk}").status_code == 200
    missing = calling(secret).get(f"{API}/declarations/{theirs.pk}")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"


def test_full_id_numbers_need_the_permission_and_the_scope(demo):
    guangxi_claim(demo)
    role = demo.role("gx_gxu")
    role.user.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    role.user = type(role.user).objects.get(pk=role.user.pk)  # drop the permission cache
    secret = key_for(role, ApiScope.DECLARATIONS_READ, ApiScope.ID_NUMBERS_FULL)
    row = calling(secret).get(f"{API}/declarations").json()["results"][0]
    assert row["id_number"] == demo.person("覃海燕").id_number


def test_a_reviewers_key_approves_through_the_lifecycle(demo):
    claim = guangxi_claim(demo)
    secret = key_for(demo.role("gx_gxu"), ApiScope.REVIEWS_READ, ApiScope.REVIEWS_WRITE)
    queue = calling(secret).get(f"{API}/reviews/queue").json()["results"]
    assert [row["id"] for row in queue] == [claim.pk]

    response = post(
        calling(secret),
        f"/reviews/{claim.pk}/approve",
        {"comment": "同意", "expected_position": claim.current_position},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "pending"  # on to 专业科目学时终审
    again = post(
        calling(secret),
        f"/reviews/{claim.pk}/approve",
        {"comment": "同意", "expected_position": claim.current_position},
    )
    assert again.status_code in (404, 409, 422)  # no longer this unit's to decide
    assert AuditLog.objects.filter(action__startswith="declaration.approve").count() >= 1


def test_reviewing_another_units_claim_is_404_and_a_read_only_key_403(demo):
    theirs = anyang_claim(demo)
    writer = key_for(demo.role("gx_gxu"), ApiScope.REVIEWS_WRITE)
    response = post(calling(writer), f"/reviews/{theirs.pk}/approve", {"comment": "同意"})
    assert response.status_code == 404
    claim = guangxi_claim(demo)
    reader = key_for(demo.role("gx_gxu"), ApiScope.REVIEWS_READ)
    refused = post(calling(reader), f"/reviews/{claim.pk}/approve", {"comment": "同意"})
    assert refused.status_code == 403
    claim.refresh_from_db()
    assert claim.status == DeclarationStatus.PENDING


def test_a_person_declares_submits_and_withdraws_with_the_session(demo):
    me = demo.professional("覃海燕")
    client = as_person(me)
    made = post(
        client,
        "/declarations",
        {
            "category_code": "training_course",
            "level_code": "by_dates",
            "fields": {
                "title": "教学能力提升培训班",
                "start_date": f"{THIS_YEAR}-01-05",
                "end_date": f"{THIS_YEAR}-01-06",
                "description": "自治区教育厅主办",
                "credit_year": THIS_YEAR,
            },
            "pledge": True,
        },
    )
    assert made.status_code == 201, made.content
    claim = made.json()
    assert (claim["status"], Decimal(claim["hours_claimed"])) == ("draft", Decimal(16))

    submitted = post(client, f"/declarations/{claim['id']}/submit", {})
    assert submitted.json()["status"] == "pending"
    withdrawn = post(client, f"/declarations/{claim['id']}/withdraw", {})
    assert withdrawn.json()["status"] == "draft"
    mine = client.get(f"{API}/declarations").json()["results"]
    assert [row["id"] for row in mine] == [claim["id"]]
    years = client.get(f"{API}/me/ledger").json()
    assert all("met" in year for year in years)


def test_a_claim_the_rules_refuse_says_why_at_the_field(demo):
    client = as_person(demo.professional("覃海燕"))
    response = post(
        client,
        "/declarations",
        {"category_code": "training_course", "level_code": "by_dates", "fields": {}},
    )
    assert response.status_code == 422
    assert error_of(response)["code"] in ("invalid", "refused")
    assert not Declaration.objects.exists()


def test_session_writes_need_the_csrf_token(demo):
    client = as_person(demo.professional("覃海燕"), csrf=True)
    response = post(
        client, "/declarations", {"category_code": "x", "level_code": "y", "fields": {}}
    )
    assert response.status_code in (401, 403)
    assert not Declaration.objects.exists()


def test_keys_cannot_use_the_persons_own_endpoints(demo):
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)
    assert calling(secret).get(f"{API}/me/ledger").status_code == 403


# --- ledger, organisations, rate limit --------------------------------------------------------


def test_the_ledger_lists_the_scopes_people_for_a_year(demo):
    secret = key_for(demo.role("gx_gxu"), ApiScope.LEDGER_READ)
    rows = calling(secret).get(f"{API}/ledger", {"credit_year": THIS_YEAR}).json()["results"]
    names = {row["name"] for row in rows}
    assert "覃海燕" in names
    assert "赵磊" not in names  # Henan
    assert all("*" in row["id_number"] for row in rows)


def test_organisation_search(demo):
    secret = key_for(demo.role("gx_gxu"), ApiScope.ORGANIZATIONS_READ)
    rows = calling(secret).get(f"{API}/organizations", {"q": "广西大学"}).json()
    assert "广西大学" in [row["name"] for row in rows]


def test_the_rate_limit_answers_429_with_retry_after(demo, settings):
    settings.API_RATE_LIMIT = "2/m"
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)
    statuses = [calling(secret).get(f"{API}/declarations").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = calling(secret).get(f"{API}/declarations")
    assert int(limited.headers["Retry-After"]) > 0
    assert error_of(limited)["code"] == "rate_limited"


def test_list_queries_do_not_grow_with_rows(demo, django_assert_max_num_queries):
    secret = key_for(demo.role("gx_gxu"), ApiScope.DECLARATIONS_READ)
    guangxi_claim(demo)
    with django_assert_max_num_queries(20) as few:
        calling(secret).get(f"{API}/declarations")
    for number in range(8):
        guangxi_claim(demo, title=f"培训班{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = calling(secret).get(f"{API}/declarations").json()["results"]
    assert len(rows) == 9


def test_a_return_needs_its_reason_and_reaches_the_person(demo):
    claim = guangxi_claim(demo)
    secret = key_for(demo.role("gx_gxu"), ApiScope.REVIEWS_WRITE)
    refused = post(calling(secret), f"/reviews/{claim.pk}/return", {"comment": ""})
    assert refused.status_code == 422
    assert "理由" in error_of(refused)["message"] or error_of(refused)["field_errors"]
    returned = post(calling(secret), f"/reviews/{claim.pk}/return", {"comment": "请补充结业证书"})
    assert returned.status_code == 200
    assert returned.json()["status"] == "returned"


def test_certificates_verify_by_number_publicly_and_a_person_lists_theirs(demo_claims, client):
    person = demo_claims.person("覃海燕")
    certificate = person.certificates.first()
    assert certificate is not None  # the demo issues last year's certificate
    found = client.get(f"{API}/certificates/{certificate.number}")
    assert found.status_code == 200
    assert (found.json()["status"], found.json()["name"]) == ("valid", "覃海燕")
    assert "*" in found.json()["masked_id_number"]
    unknown = client.get(f"{API}/certificates/GX2099999999")
    assert (unknown.status_code, unknown.json()["status"]) == (404, "unknown")
    mine = as_person(demo_claims.professional("覃海燕")).get(f"{API}/me/certificates").json()
    assert certificate.number in [row["number"] for row in mine]


def test_a_person_lists_their_yearly_applications(demo_claims):
    rows = as_person(demo_claims.professional("石磊")).get(f"{API}/me/applications").json()
    assert rows["results"], "the demo has 石磊's applications"
    assert {row["status"] for row in rows["results"]} <= {
        "draft",
        "pending",
        "returned",
        "approved",
    }
    assert all(row["number"].startswith("SQ") for row in rows["results"])
