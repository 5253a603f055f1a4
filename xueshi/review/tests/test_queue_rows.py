"""The queue's rows write their verdict inputs themselves (review/forms.py: VerdictInputs): they
must stay what ApproveForm and ReasonForm would render, before and after a refusal."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.middleware.csrf import CSRF_TOKEN_LENGTH
from django.urls import reverse

from xueshi.declarations.models import Declaration
from xueshi.orgs.tests.factories import act_as
from xueshi.review import views
from xueshi.review.forms import ApproveForm, ReasonForm, VerdictForm
from xueshi.review.models import ChainStep

from .test_views import HTMX, anyang_claim, guangxi_claim, text

pytestmark = pytest.mark.django_db

REASON_LABELS = {"return": "退回原因", "reject": "不予认定原因"}


class Elements(HTMLParser):
    """The attributes of every input, textarea and label of an HTML text, by id (labels by
    their `for`), and the text of each textarea."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}
        self.textareas: dict[str, str] = {}
        self.csrf: list[str] = []
        self._in: tuple[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") == "csrfmiddlewaretoken":
            self.csrf.append(found.get("value") or "")
        elif tag in ("input", "textarea") and found.get("id"):
            self.by_id[str(found["id"])] = found
            if tag == "textarea":
                self._in = ("textarea", str(found["id"]))
                self.textareas[str(found["id"])] = ""
        elif tag == "label" and found.get("for"):
            self._in = ("label", str(found["for"]))
            self.labels[str(found["for"])] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._in is not None and tag == self._in[0]:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in is None:
            return
        kind, key = self._in
        target = self.textareas if kind == "textarea" else self.labels
        target[key] += data


def rendered_by_form(form: VerdictForm) -> Elements:
    """The inputs as Django's widget renderer writes them for `form`."""
    names = ["expected_position", "next"] + (["reason"] if "reason" in form.fields else [])
    return Elements("".join(str(form[name]) for name in names))


def assert_written_as_the_form_renders(page: Elements, form: VerdictForm) -> None:
    expected = rendered_by_form(form)
    for element_id, attributes in expected.by_id.items():
        written = dict(page.by_id[element_id])
        if attributes.get("type") == "hidden":
            # An invalid hidden value is styled by the form, unseen: only the value counts.
            written.pop("class", None), attributes.pop("class", None)
            written.pop("aria-invalid", None), attributes.pop("aria-invalid", None)
            if not attributes.get("value"):  # Django leaves an empty value out
                attributes["value"] = written.get("value")
        assert written == attributes, element_id
    for element_id, content in expected.textareas.items():
        assert page.textareas[element_id] == content, element_id


def unbound(action: str, declaration: Declaration, next_url: str) -> VerdictForm:
    auto_id = f"id_{action}_{declaration.pk}_%s"
    initial = {"expected_position": declaration.current_position, "next": next_url}
    if action == "approve":
        return ApproveForm(auto_id=auto_id, initial=initial)
    return ReasonForm(auto_id=auto_id, initial=initial, label=REASON_LABELS[action])


def test_the_rows_inputs_are_those_the_verdict_forms_render(client, demo):
    first = guangxi_claim(demo, "覃海燕", "教学能力提升培训班")
    second = guangxi_claim(demo, "蒙丽", "政府会计制度培训")
    act_as(client, demo.role("gx_gxu"))
    url = reverse("review:queue") + "?name=&credit_year="
    response = client.get(url)
    page = Elements(text(response))
    for declaration in (first, second):
        declaration.refresh_from_db()
        for action in ("approve", "return", "reject"):
            form = unbound(action, declaration, url)
            assert_written_as_the_form_renders(page, form)
        for action, label in REASON_LABELS.items():
            assert page.labels[f"id_{action}_{declaration.pk}_reason"] == f"{label}*"
    # One token, in each of the 3 verdict forms of both rows (and nowhere a missing one).
    assert len(set(page.csrf)) == 1 and len(page.csrf[0]) == CSRF_TOKEN_LENGTH
    assert len(page.csrf) >= 6
    # The reason is required, 500 characters at most: as the form says, in the browser too.
    reason = page.by_id[f"id_reject_{first.pk}_reason"]
    assert "required" in reason and reason["maxlength"] == "500"


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("reject", {"reason": "  "}),
        ("return", {"reason": "<b>太长</b>" + "长" * 600}),
        ("approve", {"hours_granted": "-3", "comment": "调低"}),
    ],
)
def test_a_refused_verdict_comes_back_as_the_bound_form_renders_it(
    client, demo, action: str, data: dict[str, Any]
):
    declaration = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    declaration.refresh_from_db()
    posted = {"expected_position": declaration.current_position, "next": "/review/?page=2", **data}
    response = client.post(reverse(f"review:{action}", args=[declaration.pk]), posted, **HTMX)
    assert response.status_code == 200
    row = text(response)
    page = Elements(row)

    auto_id = f"id_{action}_{declaration.pk}_%s"
    form: VerdictForm
    if action == "approve":
        form = ApproveForm(posted, auto_id=auto_id)
    else:
        form = ReasonForm(posted, auto_id=auto_id, label=REASON_LABELS[action])
    assert not form.is_valid()
    assert_written_as_the_form_renders(page, form)
    # The errors are shown, the refused form's panel stays open, the claim did not move.
    errors = form["reason"].errors if action != "approve" else form["hours_granted"].errors
    for error in errors:
        assert str(error) in row
    if action != "approve":
        assert f'id="id_{action}_{declaration.pk}_reason_error"' in row
        assert row.count('<details class="xs-inline-action" open>') == 1
    # The row still says where the claim waits, as the queue does.
    before = declaration.current_position
    assert before is not None
    declaration.refresh_from_db()
    level = ChainStep.objects.get(declaration=declaration, position=before).level_name
    assert level and f'<span class="badge text-bg-primary">{level}</span>' in row
    assert declaration.current_position == before and declaration.status == "pending"


def test_row_links_are_those_reverse_gives(client, demo):
    links = views.RowLinks()
    for pk in (1, 7, 21474836, 2_147_483_646, 12_345_678_901):
        urls = links.of(pk)
        assert urls == {
            name: reverse(f"review:{name}", args=[pk])
            for name in ("detail", "approve", "return", "reject")
        }


def test_the_rows_post_where_they_say_and_go_back_to_the_queue(client, demo):
    declaration = anyang_claim(demo)
    act_as(client, demo.role("ay_yiyuan"))
    url = reverse("review:queue") + "?name=%E6%9D%8E"
    page = text(client.get(url))
    detail = reverse("review:detail", args=[declaration.pk])
    assert f'href="{detail}?next=/review/%3Fname%3D%25E6%259D%258E"' in page
    approve = reverse("review:approve", args=[declaration.pk])
    assert f'action="{approve}"' in page and f'hx-post="{approve}"' in page
    assert f'hx-target="#review-row-{declaration.pk}"' in page
    # Posting the row's own inputs (as the browser would) passes the claim on.
    page_inputs = Elements(page).by_id
    position = page_inputs[f"id_approve_{declaration.pk}_expected_position"]["value"]
    next_url = page_inputs[f"id_approve_{declaration.pk}_next"]["value"]
    response = client.post(approve, {"expected_position": position, "next": next_url})
    assert response.status_code == 302 and response["Location"] == url


def test_a_refused_batch_keeps_the_ticked_rows_ticked(client, demo):
    first = guangxi_claim(demo, "覃海燕", "人工智能导论培训")
    second = guangxi_claim(demo, "蒙丽", "政府会计制度培训")
    act_as(client, demo.role("gx_gxu"))
    response = client.post(reverse("review:batch"), {"action": "reject", "ids": [first.pk]})
    assert response.status_code == 400
    inputs = Elements(text(response)).by_id
    assert "checked" in inputs[f"select-{first.pk}"]
    assert "checked" not in inputs[f"select-{second.pk}"]
