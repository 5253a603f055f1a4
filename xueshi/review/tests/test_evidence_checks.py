"""Per-file review (issue 18 item 2): the reviewer of the current step marks each evidence file
已核验 or 不充分 with a note; after a return the person sees which file and why."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueshi.core.models import AuditLog
from xueshi.declarations.models import Attachment, Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.notifications.models import Notification
from xueshi.orgs.tests.factories import act_as
from xueshi.review.models import EvidenceCheck, EvidenceVerdict, TrailEntry
from xueshi.review.services import (
    declaration_approve,
    declaration_return,
    declaration_submit,
    evidence_check_mark,
)
from xueshi.review.tests.test_views import PNG, THIS_YEAR

PERSON = "覃海燕"
UNIT = "gx_gxu"  # 广西大学, the first level


def _claim(demo: Any) -> tuple[Declaration, Attachment, Attachment]:
    role = demo.professional(PERSON)
    declaration = declaration_save(
        person=demo.person(PERSON),
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": "教学能力提升培训班",
                "start_date": datetime.date(THIS_YEAR, 1, 5),
                "end_date": datetime.date(THIS_YEAR, 1, 6),
                "description": "自治区教育厅主办",
                "credit_year": THIS_YEAR,
            },
            pledge=True,
        ),
        actor=role.user,
        role=role,
    )
    files = [
        attachment_add(
            declaration=declaration,
            upload=SimpleUploadedFile(name, PNG, content_type="image/png"),
            actor=role.user,
            role=role,
        )
        for name in ("结业证书.png", "签到表.png")
    ]
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    return declaration, files[0], files[1]


def _mark(demo: Any, declaration, attachment, verdict, note="", who=UNIT) -> EvidenceCheck:
    role = demo.role(who)
    return evidence_check_mark(
        declaration_id=declaration.pk,
        attachment_id=attachment.pk,
        verdict=verdict,
        note=note,
        actor=role.user,
        role=role,
    )


def test_marks_after_a_return_show_the_person_which_file_and_why(
    demo, client, django_capture_on_commit_callbacks
):
    declaration, certificate, sign_in = _claim(demo)
    _mark(demo, declaration, certificate, EvidenceVerdict.VERIFIED)
    _mark(demo, declaration, sign_in, EvidenceVerdict.INSUFFICIENT, "签到表缺少第二天的签名")
    unit = demo.role(UNIT)
    with django_capture_on_commit_callbacks(execute=True):
        declaration_return(
            declaration_id=declaration.pk, actor=unit.user, role=unit, reason="材料不全"
        )
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.RETURNED
    trail = TrailEntry.objects.filter(declaration=declaration).last()
    assert "签到表.png" in trail.comment and "签到表缺少第二天的签名" in trail.comment
    message = Notification.objects.filter(recipient=demo.person(PERSON).user).last()
    assert message is not None and "签到表缺少第二天的签名" in message.message

    act_as(client, demo.professional(PERSON))
    page = client.get(reverse("declarations:detail", args=(declaration.pk,))).content.decode()
    assert 'id="insufficient-evidence"' in page
    assert "签到表.png" in page and "签到表缺少第二天的签名" in page
    notice = page.split('id="insufficient-evidence"')[1].split("</div>")[0]
    assert "结业证书.png" not in notice  # verified files are not listed as insufficient

    # Resubmitted: the old round's marks are history, not shown.
    person = demo.professional(PERSON)
    declaration_submit(declaration_id=declaration.pk, actor=person.user, role=person)
    page = client.get(reverse("declarations:detail", args=(declaration.pk,))).content.decode()
    assert 'id="insufficient-evidence"' not in page


def test_insufficient_needs_a_note_and_marks_are_audited(demo):
    declaration, certificate, _ = _claim(demo)
    with pytest.raises(ValidationError):
        _mark(demo, declaration, certificate, EvidenceVerdict.INSUFFICIENT, "  ")
    assert not EvidenceCheck.objects.exists()
    check = _mark(demo, declaration, certificate, EvidenceVerdict.INSUFFICIENT, "看不清")
    again = _mark(demo, declaration, certificate, EvidenceVerdict.VERIFIED)  # changed mind
    assert again.pk == check.pk and again.verdict == EvidenceVerdict.VERIFIED
    assert EvidenceCheck.objects.count() == 1
    assert AuditLog.objects.filter(action="declaration.evidence_check").count() == 2


def test_only_the_reviewer_of_the_current_step_may_mark(demo, client):
    declaration, certificate, _ = _claim(demo)
    with pytest.raises(PermissionDenied):  # the next level, not yet its turn
        _mark(demo, declaration, certificate, EvidenceVerdict.VERIFIED, who="gx_jyt")
    with pytest.raises(PermissionDenied):  # the person herself
        role = demo.professional(PERSON)
        evidence_check_mark(
            declaration_id=declaration.pk,
            attachment_id=certificate.pk,
            verdict=EvidenceVerdict.VERIFIED,
            note="",
            actor=role.user,
            role=role,
        )
    url = reverse("review:evidence_check", args=(declaration.pk, certificate.pk))
    act_as(client, demo.role("gx_nnyz"))  # another unit: out of scope
    assert client.post(url, {"verdict": "verified"}).status_code == 404
    act_as(client, demo.role("gx_jyt"))  # in scope (above), not its step
    assert client.post(url, {"verdict": "verified"}).status_code == 403
    assert not EvidenceCheck.objects.exists()
    unit = demo.role(UNIT)
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    # Now the final level's turn: the unit may no longer mark, 教育厅 may.
    with pytest.raises(PermissionDenied):
        _mark(demo, declaration, certificate, EvidenceVerdict.VERIFIED)
    assert client.post(url, {"verdict": "verified"}).status_code == 302


def test_the_review_page_marks_a_file_by_htmx(demo, client):
    declaration, certificate, _ = _claim(demo)
    act_as(client, demo.role(UNIT))
    page = client.get(reverse("review:detail", args=(declaration.pk,))).content.decode()
    url = reverse("review:evidence_check", args=(declaration.pk, certificate.pk))
    assert f'hx-post="{url}"' in page and "未核验" in page
    empty = client.post(url, {"verdict": "insufficient", "note": ""}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "请说明原因" in empty.content.decode()
    done = client.post(
        url, {"verdict": "insufficient", "note": "证书无印章"}, HTTP_HX_REQUEST="true"
    )
    text = done.content.decode()
    assert done.status_code == 200 and 'data-evidence-verdict="insufficient"' in text
    assert "证书无印章" in text and f'id="evidence-file-{certificate.pk}"' in text
