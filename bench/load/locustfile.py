"""Mixed journeys against the production stack (`make prod`), for a bounded headless run:

    bench/load/run.sh            # 60 s with two app servers, then 60 s with one; plot and table

Professionals (Zhejiang demo 钱伟, 吴婷) log in, declare, upload evidence and submit claims, look
at their claims and their hours; unit admins (zj_jiangong, zj_sheji) log in, open the review
queue, approve the oldest claim, look at their results, the statistics page and export the
claims (CSV; statistics and exports read from the replica). Every response is checked: a page
that answers 200 with the wrong content (a form error, a 429 page) counts as a failure.

The login page's captcha is a picture for people; the harness reads the answer of its own
challenge from the primary database (CAPTCHA_DATABASE_URL), which only a test harness with the
database's address can do. The stack is started with RATELIMIT_LOGIN raised (run.sh): every
virtual user logs in from the same loopback address.
"""

from __future__ import annotations

import html
import os
import random
import re
from itertools import count
from typing import Any

import psycopg
from locust import HttpUser, between, task

DATABASE_URL = os.environ.get("CAPTCHA_DATABASE_URL", "postgresql://postgres@127.0.0.1:5440/xueshi")
PASSWORD = os.environ.get("LOAD_PASSWORD", "Xueshi@2026")
PROFESSIONALS = ["330106199703150293", "330106198504220303"]  # 钱伟, 吴婷
UNIT_ADMINS = ["zj_jiangong", "zj_sheji"]
YEAR = int(os.environ.get("LOAD_CREDIT_YEAR", "2026"))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CAPTCHA_KEY = re.compile(r'name="captcha_0" value="([0-9a-f]+)"')
REVIEW_LINK = re.compile(r'href="/review/(\d+)/(?:\?[^"]*)?"')
INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
TEXTAREA = re.compile(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
EDIT_URL = re.compile(r"/declarations/(\d+)/edit/")
serial = count(1)
# The smallest valid PNG (uploads are checked by content): the claim's evidence.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _captcha_answer(key: str) -> str:
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        row = connection.execute(
            "SELECT response FROM captcha_captchastore WHERE hashkey = %s", (key,)
        ).fetchone()
    return str(row[0]) if row else ""


def form_fields(page: str, action: str) -> dict[str, str]:
    """The named inputs and textareas of the form posting to `action` (their current values)."""
    start = page.find(f'action="{action}"')
    if start < 0:
        return {}
    end = page.find("</form>", start)
    form = page[start:end]
    fields: dict[str, str] = {}
    for tag in INPUT.findall(form):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" not in attributes or attributes.get("type") in ("checkbox", "radio"):
            continue
        fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    for name, text in TEXTAREA.findall(form):
        fields[name] = html.unescape(text.strip())
    return fields


class XueshiUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    accounts: list[str] = []

    def on_start(self) -> None:
        self.client.verify = False  # the stack's self-signed certificate (loopback only)
        username = random.choice(self.accounts)  # noqa: S311 (spreads users, not a secret)
        with self.client.get("/accounts/login/", name="login page", catch_response=True) as page:
            key = CAPTCHA_KEY.search(page.text)
            token = CSRF.search(page.text)
            if not key or not token:
                page.failure("login page without captcha or CSRF token")
                return
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "username": username,
            "password": PASSWORD,
            "captcha_0": key.group(1),
            "captcha_1": _captcha_answer(key.group(1)),
        }
        with self.client.post(
            "/accounts/login/",
            data=data,
            name="log in",
            headers={"Referer": f"{self.host}/accounts/login/"},
            catch_response=True,
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure("still on the login page")

    def csrf(self, page: str) -> str:
        found = CSRF.search(page)
        return found.group(1) if found else ""

    def post(self, path: str, data: dict[str, Any], name: str) -> Any:
        return self.client.post(
            path,
            data=data,
            name=name,
            headers={"Referer": f"{self.host}{path}"},
            catch_response=True,
        )


class Professional(XueshiUser):
    weight = 3
    accounts = PROFESSIONALS

    @task(2)
    def declare_upload_submit(self) -> None:
        """Save a claim, upload its evidence (to the object store), submit it."""
        page = self.client.get("/declarations/new/", name="declare: form").text
        data = {
            "csrfmiddlewaretoken": self.csrf(page),
            "profile_key": "zhejiang_construction",
            "profile_version": "2019-01-01",
            "category": "training",
            "credit_year": str(YEAR),
            "title": f"建筑施工安全管理培训（压测{next(serial)}）",
            "hours_claimed": "8",
            "description": "施工现场安全管理专题培训",
            "action": "save",
        }
        with self.post("/declarations/new/", data, "declare: save") as response:
            saved = EDIT_URL.search(response.url)
            if not saved:
                response.failure("claim not saved")
                return
        pk, token = saved.group(1), self.csrf(response.text)
        with self.client.post(
            f"/declarations/{pk}/attachments/",
            data={"csrfmiddlewaretoken": token},
            files={"files": ("结业证书.png", PNG, "image/png")},
            headers={"Referer": response.url},
            name="declare: upload evidence",
            catch_response=True,
        ) as upload:
            if "结业证书.png" not in upload.text:
                upload.failure("evidence not stored")
                return
        data = {"csrfmiddlewaretoken": token, "ids": pk}
        with self.post("/declarations/submit/", data, "declare: submit") as submitted:
            if "已提交" not in submitted.text:
                submitted.failure("claim not submitted")

    @task(3)
    def my_claims(self) -> None:
        with self.client.get("/declarations/", name="query: my claims", catch_response=True) as r:
            if "学时申报" not in r.text:
                r.failure("claim list missing")

    @task(2)
    def my_hours(self) -> None:
        self.client.get("/ledger/", name="query: my hours")


class UnitAdmin(XueshiUser):
    weight = 2
    accounts = UNIT_ADMINS

    @task(4)
    def review_oldest(self) -> None:
        queue = self.client.get("/review/", name="review: queue").text
        found = REVIEW_LINK.search(queue)
        if not found:
            return
        pk = found.group(1)
        detail = self.client.get(f"/review/{pk}/", name="review: claim").text
        action = f"/review/{pk}/approve/"
        fields = form_fields(detail, action)
        if not fields:
            return  # taken by another reviewer meanwhile
        fields.setdefault("comment", "同意")
        with self.post(action, fields, "review: approve") as response:
            # A claim approved by a colleague a moment earlier is a normal refusal, not an error.
            if response.status_code in (409, 404):
                response.success()

    @task(2)
    def results(self) -> None:
        self.client.get("/review/results/", name="query: review results")

    @task(1)
    def statistics(self) -> None:
        with self.client.get(
            "/reports/statistics/", name="statistics (replica)", catch_response=True
        ) as r:
            if "学时申报统计" not in r.text:
                r.failure("statistics page missing")

    @task(1)
    def export(self) -> None:
        with self.client.get(
            "/reports/declarations/export/?format=csv",
            name="export CSV (replica)",
            catch_response=True,
        ) as r:
            if not r.text.lstrip("\ufeff").startswith("姓名"):
                r.failure("export is not the CSV")
