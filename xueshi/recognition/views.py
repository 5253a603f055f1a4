"""从证书照片开始 (a claim started from a certificate photo) and the note polled while a file is
read. Hidden (404) when the optional OCR packages are absent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from xueshi.accounts.models import RoleKind
from xueshi.accounts.permissions import NO_ACTIVE_ROLE, require_permission, require_role
from xueshi.core.audit import audit_record
from xueshi.declarations.form_selectors import person_of_role
from xueshi.declarations.models import Attachment
from xueshi.declarations.permissions import declarations_in_scope
from xueshi.declarations.prefill import prefill_store
from xueshi.policy.uploads import detect_kind

from . import engine
from .extraction import CertificateFields, extract_fields
from .services import recognise_pages

PHOTO_KINDS = frozenset({"jpg", "png"})
MAX_PHOTO_MB = 20
UNREADABLE = (
    "未能识别：照片中没有读到证书的内容（可能过暗、过斜或不是证书）。请重新拍摄，或直接填写。"
)


def _require_available() -> None:
    if not engine.available():
        raise Http404("证书识别功能未安装。")


def form_values(fields: CertificateFields) -> dict[str, str]:
    """The claim form's field names for what was read (the hours only when printed in hours:
    credits follow the region's conversion on the form)."""
    values = {
        "title": fields.course_title or "",
        "organizer": fields.issuer or "",
        "start_date": fields.start_date.isoformat() if fields.start_date else "",
        "end_date": fields.end_date.isoformat() if fields.end_date else "",
        "certificate_number": fields.certificate_number or "",
    }
    if fields.hours is not None and fields.hours_unit != "学分":
        values["hours_claimed"] = f"{fields.hours.normalize():f}"
    return values


@login_required
@require_http_methods(["GET", "POST"])
def from_photo(request: HttpRequest) -> HttpResponse:
    _require_available()
    role = require_permission(request, "declarations.create")
    if role.kind != RoleKind.PROFESSIONAL:
        raise PermissionDenied("请切换为“专业技术人员”角色后再登记学时。")
    person = person_of_role(role)
    if person is None:
        raise Http404("当前账号没有专业技术人员信息。")
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("photo")
        kind = detect_kind(upload)[0] if upload is not None else ""
        if upload is None:
            error = "请拍摄或选择证书照片。"
        elif (upload.size or 0) > MAX_PHOTO_MB * 1024 * 1024:
            error = f"照片不能超过 {MAX_PHOTO_MB} MB。"
        elif kind not in PHOTO_KINDS:
            error = "请上传 JPG 或 PNG 格式的照片。"
        else:
            try:
                lines, _hash, _pages = recognise_pages(upload.read(), kind)
            except engine.Unreadable:
                lines = []
            fields = extract_fields([line.text for line in lines])
            values = {key: value for key, value in form_values(fields).items() if value}
            if not values:
                error = UNREADABLE
            else:
                prefill_store(request, values, source="certificate_photo")
                audit_record(
                    action="recognition.prefill",
                    actor=request.user,
                    role=role.kind,
                    request=request,
                    details={"fields": sorted(values)},
                )
                messages.success(
                    request,
                    f"已从证书照片识别 {len(values)} 项信息（标有“由证书识别”），"
                    "请选择申报类型并逐项核对；保存后请把证书照片上传为佐证材料。",
                )
                if fields.name and fields.name != person.name:
                    messages.warning(
                        request, f"证书上的姓名为“{fields.name}”，与您的姓名不一致，请确认。"
                    )
                target = reverse("declarations:create")
                if getattr(request, "htmx", False):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
    context = {"error": error, "max_mb": MAX_PHOTO_MB}
    template = "recognition/_photo_form.html" if getattr(request, "htmx", False) else None
    return render(
        request,
        template or "recognition/from_photo.html",
        context,
        status=400 if error else 200,
    )


@login_required
@require_GET
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """The note under one evidence file (polled while it is read)."""
    _require_available()
    role = require_role(request, message=NO_ACTIVE_ROLE)
    try:
        attachment = Attachment.objects.select_related("recognition").get(
            pk=pk, declaration__in=declarations_in_scope(role)
        )
        recognition = attachment.recognition
    except (Attachment.DoesNotExist, Attachment.recognition.RelatedObjectDoesNotExist) as error:
        raise Http404("没有该附件的识别结果。") from error
    return render(request, "recognition/_note.html", {"recognition": recognition})
