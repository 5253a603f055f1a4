"""One upload check: a file arriving (evidence.check_upload) and the validator
(validate_declaration_inputs) give the same reasons, with the same defaults, judged by content."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xueshi.declarations.evidence import check_upload
from xueshi.policy.hours import validate_declaration_inputs
from xueshi.policy.loader import profile_for
from xueshi.policy.schema import AttachmentRules, ProfileVersion
from xueshi.policy.uploads import DEFAULT_MAX_SIZE_MB, detect_kind, upload_problems

from .test_form_views import PDF, jpeg_bytes, png_bytes

MB = 1024 * 1024


def refusal(upload: SimpleUploadedFile, rules: AttachmentRules, existing: int = 0) -> str:
    with pytest.raises(ValidationError) as refused:
        check_upload(upload, rules, existing_count=existing)
    return refused.value.messages[0]


def guangxi() -> ProfileVersion:
    return profile_for("guangxi", datetime.date(2024, 6, 1))


def test_no_profile_limit_means_the_platform_limit_in_both_checks() -> None:
    version = guangxi()
    rules = version.attachments_for("training_course")
    assert rules.max_size_mb is None  # the seed is silent on size
    too_big = int(DEFAULT_MAX_SIZE_MB * MB) + 1
    upload = SimpleUploadedFile("扫描件.jpg", jpeg_bytes(too_big))
    assert refusal(upload, rules) == "“扫描件.jpg”未上传：单个附件不能超过 20 MB，请压缩后再上传。"
    # The validator used to let any size through when the profile named none.
    errors = validate_declaration_inputs(
        version, "training_course", {"attachment_count": 1, "attachment_sizes": [too_big]}
    )
    assert errors["attachments"] == ["单个附件不能超过 20 MB，请压缩后再上传"]


def test_the_same_reasons_in_the_same_words() -> None:
    rules = AttachmentRules(kinds=["jpg", "pdf"], max_size_mb=Decimal(5), max_count=2)
    cases = {
        "count": (3, None, None),
        "kind": (1, png_bytes(), None),
        "size": (1, None, 5 * MB + 1),
    }
    validator = {
        "count": ["最多上传 2 个附件"],
        "kind": ["只能上传 jpg、pdf 文件（按文件内容识别，与扩展名无关）"],
        "size": ["单个附件不能超过 5 MB，请压缩后再上传"],
    }
    for what, (count, content, size) in cases.items():
        kinds = [detect_kind(SimpleUploadedFile("f", content))[0]] if content else []
        sizes = [size] if size else []
        assert upload_problems(rules, count=count, sizes=sizes, kinds=kinds) == validator[what]

    assert refusal(SimpleUploadedFile("三.pdf", PDF), rules, existing=2) == (
        f"“三.pdf”未上传：{validator['count'][0]}。"
    )
    assert refusal(SimpleUploadedFile("照片.jpg", png_bytes()), rules) == (
        f"“照片.jpg”未上传：{validator['kind'][0]}。"
    )
    assert refusal(SimpleUploadedFile("大.pdf", PDF + b"\0" * (5 * MB)), rules) == (
        f"“大.pdf”未上传：{validator['size'][0]}。"
    )
    assert refusal(SimpleUploadedFile("空.pdf", b""), rules) == "“空.pdf”未上传：文件是空的。"


def test_the_type_is_the_content_not_the_name() -> None:
    rules = AttachmentRules(kinds=["pdf"])
    # A PDF named .png is a PDF; a PNG named .pdf is not.
    assert check_upload(SimpleUploadedFile("通知.png", PDF), rules, existing_count=0) == (
        "pdf",
        "application/pdf",
    )
    assert "只能上传 pdf 文件" in refusal(SimpleUploadedFile("通知.pdf", png_bytes()), rules)
