"""The declaration form: create, edit, declare for others, a training base's course, evidence.

Thin views: the form is built from the profile (forms.py), reads are in form_selectors.py and
every write goes through services.py. Submitting ("保存并提交", a training base's claims) is the
review lifecycle's: the URL configuration passes it in (review/urls_declarations.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import (
    NO_ACTIVE_ROLE,
    REGION_MAY_NOT_DECLARE,
    declaring_access,
    require_role,
    role_may,
)
from xueshi.core.audit import audit_id_search
from xueshi.core.errors import error_messages, error_text
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import DECLARANT_LABELS, ProfileVersion

from . import services
from .evidence import with_evidence_notes
from .form_selectors import (
    may_declare_for_others,
    organization_profile_key,
    people_search,
    person_in_scope,
    person_of_role,
    version_for_inputs,
    version_from_query,
)
from .forms import (
    FORM_ID,
    HOURS_FIELD,
    AttendeesForm,
    DeclarationForm,
    accept_for,
    attachment_rules_text,
    initial_from_declaration,
    shows_pledge,
)
from .models import Attachment, AttachmentPurpose, Declaration
from .permissions import declarations_in_scope, is_declarant
from .prefill import prefill_clear, prefill_mark, prefill_values
from .richtext import image_url
from .rules import profile_key_for


def _build_form(
    request: HttpRequest,
    *,
    version: ProfileVersion,
    role: RoleAssignment,
    initial: dict[str, Any] | None = None,
    person: Person | None = None,
) -> DeclarationForm:
    bound = request.method == "POST"
    source = request.POST if bound else request.GET
    initial = dict(initial or {})
    if not bound:
        initial.update(
            {key: value for key, value in source.items() if key != "csrfmiddlewaretoken"}
        )
    return DeclarationForm(
        request.POST if bound else None,
        version=version,
        role_kind=role.kind,
        today=timezone.localdate(),
        show_pledge=shows_pledge(version, role.kind),
        category_code=str(source.get("category") or initial.get("category") or ""),
        level_code=str(source.get("level") or initial.get("level") or ""),
        group_code=str(source.get("category_group") or ""),
        initial=initial,
        unit=person.unit if person is not None else None,
    )


@dataclass
class FormPage:
    """Who the claim is for and the page around the form."""

    title: str
    person: Person | None
    profile_key: str
    version: ProfileVersion
    declaration: Declaration | None = None
    mode: str = "create"  # create, edit, declare_for


def _page_context(
    request: HttpRequest, page: FormPage, form: DeclarationForm, **extra: Any
) -> dict[str, Any]:
    preview = form.hours_preview(form.data if form.is_bound else _values(form))
    if preview.fill is not None and not form.is_bound:
        form.initial[HOURS_FIELD] = preview.fill
    context = {
        "page": page,
        "form": form,
        "form_id": FORM_ID,
        "preview": preview,
        "profile_key": page.profile_key,
        "profile_version": page.version.effective_from.isoformat(),
        "declaration": page.declaration,
        **_materials_context(page.version, form.category_code),
        **extra,
    }
    if page.declaration is not None:
        context.update(_attachments_context(page.declaration, page.version))
    return context


def _values(form: DeclarationForm) -> dict[str, Any]:
    return {name: form[name].value() for name in form.fields}


def _materials_context(version: ProfileVersion, category_code: str) -> dict[str, Any]:
    if not category_code:
        return {"materials": "", "attachment_rules": "", "attachment_note": ""}
    rules = version.attachments_for(category_code)
    optional = version.materials_optional_routes(category_code) if rules.required else []
    return {
        "evidence_label": rules.label,
        "materials": version.materials_for(category_code),
        "attachment_rules": attachment_rules_text(rules),
        "attachment_note": rules.note,
        # Henan form 1: "基地统一上报的可以不用提供".
        "materials_optional_for": "、".join(DECLARANT_LABELS[kind] for kind in optional),
    }


def _attachments_context(declaration: Declaration, version: ProfileVersion) -> dict[str, Any]:
    rules = version.attachments_for(declaration.category_code)
    return {
        "declaration": declaration,
        "attachments": with_evidence_notes(declaration.evidence()),
        "accept": accept_for(rules),
        "upload_rules": attachment_rules_text(rules),
        "caption_spec": rules.caption,  # Zhejiang 附件说明 (issue 13 item 10)
    }


# "保存并提交": sends the saved claim for review and says where it went, e.g. "广西大学（单位
# 审核）" (raises ValidationError or PermissionDenied). The review lifecycle's, so the URL
# configuration hands it to these views (review/urls_declarations.py): drafting knows no review.
Submit = Callable[[HttpRequest, RoleAssignment, Declaration], str]
# A training base's course for its attendees: save and submit a claim for each.
DeclareForAttendees = Callable[..., list[services.BatchResult]]


def _form_page(
    request: HttpRequest,
    role: RoleAssignment,
    page: FormPage,
    initial: dict[str, Any] | None,
    submit: Submit,
    supplement: tuple[str, int] | None = None,
) -> HttpResponse:
    form = _build_form(
        request, version=page.version, role=role, initial=initial, person=page.person
    )
    if supplement is not None:
        _fix_supplement_choices(form, *supplement)
    if page.mode == "create":
        prefill_mark(request, form)
    if request.method == "POST" and form.is_valid():
        data = form.declaration_input()
        if supplement is not None:
            data = dataclasses.replace(data, supplement=True)
        try:
            saved = services.declaration_save(
                person=page.person or _missing_person(),
                data=data,
                actor=request.user,
                role=role,
                declaration=page.declaration,
                request=request,
            )
        except PermissionDenied as error:
            form.add_error(None, error_text(error))
        except ValidationError as error:
            form.apply_errors(error)
        else:
            return _after_save(request, role, saved, submit)
    if request.method == "POST" and not form.errors:
        form.add_error(None, "保存失败，请检查填写的内容。")
    return render(request, "declarations/form.html", _page_context(request, page, form))


def _fix_supplement_choices(form: DeclarationForm, category_code: str, credit_year: int) -> None:
    """增补: the category and the closed year are the consented ones, nothing else."""
    category = form.fields["category"]
    if isinstance(category, forms.ChoiceField):
        category.choices = [
            (leaf.code, leaf.full_name) for leaf in form.leaves if leaf.code == category_code
        ]
    year = form.fields.get("credit_year")
    if isinstance(year, forms.ChoiceField):
        year.choices = [(credit_year, f"{credit_year} 年度")]
        year.required = True
        form.initial["credit_year"] = credit_year


def supplement_claim_page(
    request: HttpRequest,
    *,
    role: RoleAssignment,
    person: Person,
    category_code: str,
    credit_year: int,
    submit: Submit,
) -> HttpResponse:
    """增补 新增: the person's own form, fixed to one category and one closed year. The
    consent is the supplements app's to check; `declaration_prepare` asks it again on save."""
    key = profile_key_for(person)
    version = resolve_version(key, credit_year=credit_year)
    page = FormPage(f"增补学时登记（{credit_year}年度）", person, key, version, mode="supplement")
    initial = {"category": category_code, "credit_year": credit_year}
    return _form_page(
        request, role, page, initial=initial, submit=submit, supplement=(category_code, credit_year)
    )


def _missing_person() -> Person:
    raise Http404("未选择申报人。")


def _after_save(
    request: HttpRequest, role: RoleAssignment, saved: Declaration, submit: Submit
) -> HttpResponse:
    edit_url = reverse("declarations:edit", args=[saved.pk])
    prefill_clear(request)
    if request.POST.get("action") != "submit":
        messages.success(
            request,
            f"已保存（{saved.draft_word}）。可继续上传佐证材料，确认无误后点击“保存并提交”。",
        )
        return redirect(edit_url)
    try:
        where = submit(request, role, saved)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, f"已保存为{saved.draft_word}，但未能提交：{error_text(error)}")
        return redirect(edit_url)
    messages.success(request, f"已提交至{where}，请等待审核。")
    return redirect("declarations:list")


# --- the declarant's own form ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def declaration_create(request: HttpRequest, submit: Submit) -> HttpResponse:
    role = require_role(request, message=NO_ACTIVE_ROLE)
    if role.kind != RoleKind.PROFESSIONAL:
        if may_declare_for_others(role):
            messages.info(request, "管理员请通过“代为申报”为本单位人员登记学时。")
            return redirect("declarations:declare_for")
        raise PermissionDenied("请切换为“专业技术人员”角色后再登记学时。")
    person = person_of_role(role)
    if person is None:
        raise Http404("当前账号没有专业技术人员信息。")
    try:
        key = profile_key_for(person)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("accounts:my_info")
    # One set of lookups for the request: the window is checked and the version resolved once
    # for the page, the draft and, with "保存并提交", the submission.
    with services.one_request() as lookups:
        window = lookups.window(person.unit, timezone.localdate())
        if not window.open:
            messages.warning(request, window.reason)
            return redirect("declarations:list")
        values = request.POST if request.method == "POST" else request.GET
        page = FormPage("学时登记", person, key, version_for_inputs(key, values, lookups))
        # Zhejiang: only a learner the enterprise reported, of an enterprise granted access.
        access = declaring_access(person, page.version.access)
        if not access.allowed:
            messages.warning(request, access.reason)
            return redirect("core:home")
        return _form_page(request, role, page, initial=prefill_values(request), submit=submit)


@login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, pk: int, submit: Submit) -> HttpResponse:
    role = require_role(request, message=NO_ACTIVE_ROLE)
    try:
        declaration = (
            declarations_in_scope(role).select_related("person", "person__unit").get(pk=pk)
        )
    except Declaration.DoesNotExist:
        raise Http404("没有该申报。") from None
    detail_url = reverse("declarations:detail", args=[declaration.pk])
    if not declaration.is_editable:
        messages.error(request, f"该申报当前为“{declaration.status_word}”，不能修改。")
        return redirect(detail_url)
    if not is_declarant(declaration, role):
        messages.error(request, "只有申报人（或代为申报的单位）可以修改该申报。")
        return redirect(detail_url)
    version = resolve_version(declaration.policy_profile, declaration.profile_version)
    title = "修改学时申报" if role.kind == RoleKind.PROFESSIONAL else "修改代为申报"
    page = FormPage(
        title,
        declaration.person,
        declaration.policy_profile,
        version,
        declaration=declaration,
        mode="edit",
    )
    fixed = (declaration.category_code, declaration.credit_year)
    return _form_page(
        request,
        role,
        page,
        initial=initial_from_declaration(declaration),
        submit=submit,
        supplement=fixed if declaration.is_supplement else None,
    )


# --- live parts of the form (HTMX) -------------------------------------------------------------


def _person_of_page(request: HttpRequest, role: RoleAssignment) -> Person | None:
    """Whose claim the page is for: the person themself, or the one an organisation declares
    for (the form's hidden ``person``, within the role's scope)."""
    if role.kind == RoleKind.PROFESSIONAL:
        return person_of_role(role)
    chosen = request.GET.get("person")
    return person_in_scope(role, chosen) if chosen else None


@login_required
@require_GET
def form_fields(request: HttpRequest) -> HttpResponse:
    """The category's block: level, fields, hours; the materials box swapped out of band."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    try:
        version = version_from_query(request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest(error_text(error))
    form = _build_form(request, version=version, role=role, person=_person_of_page(request, role))
    preview = form.hours_preview(request.GET)
    if preview.fill is not None:
        form.initial[HOURS_FIELD] = preview.fill
    prefill_mark(request, form)
    context = {
        "form": form,
        "preview": preview,
        "oob": True,
        **_materials_context(version, form.category_code),
    }
    return render(request, "declarations/_fields.html", context)


@login_required
@require_GET
def form_hours(request: HttpRequest) -> HttpResponse:
    """The hours for what is typed so far, with the sentence that explains them."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    try:
        version = version_from_query(request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest(error_text(error))
    form = _build_form(request, version=version, role=role)
    preview = form.hours_preview(request.GET)
    hours_input = None
    if preview.fill is not None and HOURS_FIELD in form.fields:
        form.initial[HOURS_FIELD] = preview.fill
        form.fields[HOURS_FIELD].widget.attrs["hx-swap-oob"] = "true"
        hours_input = form[HOURS_FIELD]
    return render(
        request, "declarations/_hours.html", {"preview": preview, "hours_input": hours_input}
    )


# --- evidence files --------------------------------------------------------------------------


def _editable_declaration(request: HttpRequest, role: RoleAssignment, pk: int) -> Declaration:
    try:
        return declarations_in_scope(role).select_related("person").get(pk=pk)
    except Declaration.DoesNotExist:
        raise Http404("没有该申报。") from None


def _attachments_response(
    request: HttpRequest,
    declaration: Declaration,
    *,
    errors: list[str],
    notice: str,
    caption_errors: list[str] | None = None,
    caption: str = "",
    caption_of: dict[int, tuple[str, list[str]]] | None = None,
) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        for error in [*errors, *(caption_errors or [])]:
            messages.error(request, error)
        for _typed, problems in (caption_of or {}).values():
            for error in problems:
                messages.error(request, error)
        if notice:
            messages.success(request, notice)
        return redirect("declarations:edit", pk=declaration.pk)
    version = resolve_version(declaration.policy_profile, declaration.profile_version)
    context = {
        **_attachments_context(declaration, version),
        "upload_errors": errors,
        "upload_notice": notice,
        "editable": declaration.is_editable,
        # A caption refused is shown again as typed, with its message beside it.
        "caption_errors": caption_errors or [],
        "caption_value": caption,
    }
    for attachment in context["attachments"]:
        if attachment.pk in (caption_of or {}):
            attachment.caption_typed, attachment.caption_problems = (caption_of or {})[
                attachment.pk
            ]
    return render(request, "declarations/_attachments.html", context)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _editable_declaration(request, role, pk)
    uploads = request.FILES.getlist("files")
    caption = request.POST.get("caption", "")
    errors: list[str] = []
    caption_errors: list[str] = []
    added: list[str] = []
    if not uploads:
        errors.append("请选择要上传的文件。")
    for upload in uploads:
        try:
            attachment = services.attachment_add(
                declaration=declaration,
                upload=upload,
                actor=request.user,
                role=role,
                request=request,
                caption=caption,
            )
        except ValidationError as error:
            problems = getattr(error, "error_dict", {}).get("caption")
            if problems:
                caption_errors = [message for item in problems for message in item.messages]
                break  # the same caption for every file: one message, nothing uploaded
            errors.extend(error_messages(error, default="无权上传附件。"))
        except PermissionDenied as error:
            errors.extend(error_messages(error, default="无权上传附件。"))
        else:
            added.append(attachment.original_name)
    notice = f"已上传 {len(added)} 个文件：{'、'.join(added)}。" if added else ""
    return _attachments_response(
        request,
        declaration,
        errors=errors,
        notice=notice,
        caption_errors=caption_errors,
        caption=caption if caption_errors else "",
    )


@login_required
@require_POST
def attachment_caption(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    """Change one file's 附件说明 (Zhejiang: "附件说明限33个字")."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _editable_declaration(request, role, pk)
    try:
        attachment = declaration.attachments.get(pk=attachment_pk)
    except Attachment.DoesNotExist:
        raise Http404("没有该附件。") from None
    caption = request.POST.get("caption", "")
    errors: list[str] = []
    caption_of: dict[int, tuple[str, list[str]]] = {}
    notice = ""
    try:
        services.attachment_caption_set(
            attachment=attachment, caption=caption, actor=request.user, role=role, request=request
        )
    except ValidationError as error:
        caption_of[attachment.pk] = (caption, error_messages(error, default="附件说明有误。"))
    except PermissionDenied as error:
        errors.extend(error_messages(error, default="无权修改附件说明。"))
    else:
        notice = f"已保存“{attachment.original_name}”的附件说明。"
    return _attachments_response(
        request, declaration, errors=errors, notice=notice, caption_of=caption_of
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _editable_declaration(request, role, pk)
    try:
        attachment = declaration.attachments.get(pk=attachment_pk)
    except Attachment.DoesNotExist:
        raise Http404("没有该附件。") from None
    errors: list[str] = []
    notice = ""
    try:
        services.attachment_delete(
            attachment=attachment, actor=request.user, role=role, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        errors.extend(error_messages(error, default="无权删除附件。"))
    else:
        notice = f"已删除“{attachment.original_name}”。"
    return _attachments_response(request, declaration, errors=errors, notice=notice)


# --- declaring for others ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def declare_for(request: HttpRequest, submit: Submit) -> HttpResponse:
    """单位/主管部门 代为申报: pick a person of the role's scope, then the same form."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    if not may_declare_for_others(role):
        raise PermissionDenied("本地区的学时认定细则不允许当前角色代为申报。")
    chosen = request.POST.get("person") if request.method == "POST" else request.GET.get("person")
    if not chosen:
        query = request.GET.get("q", "")
        audit_id_search(request, query, where="declarations.declare_for")
        context = {"query": query, "people": people_search(role, query), "role": role}
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "declarations/_people.html", context)
        return render(request, "declarations/declare_for.html", context)
    person = person_in_scope(role, chosen)
    if person is None:
        raise Http404("该人员不在您的管理范围内。")
    try:
        key = profile_key_for(person, role.organization)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("declarations:declare_for")
    values = request.POST if request.method == "POST" else request.GET
    page = FormPage("代为申报", person, key, version_for_inputs(key, values), mode="declare_for")
    return _form_page(request, role, page, initial=None, submit=submit)


# --- a training base's course for all its attendees --------------------------------------------


TRAINING_BASE_RESULTS_SESSION_KEY = "training_base_results"


@login_required
@require_http_methods(["GET", "POST"])
def training_base_declare(request: HttpRequest, declare: DeclareForAttendees) -> HttpResponse:
    """继续教育基地统一申报: one course, a claim for each attendee, submitted at once."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    if role.kind != RoleKind.TRAINING_BASE_ADMIN:
        raise PermissionDenied("只有继续教育基地管理员可以统一申报。")
    if not role_may(role, "declarations.training_base"):
        raise PermissionDenied(REGION_MAY_NOT_DECLARE)
    key = organization_profile_key(role)
    if not key:
        raise PermissionDenied("未找到本基地适用的学时认定细则，请联系平台管理员。")
    values = request.POST if request.method == "POST" else request.GET
    version = version_for_inputs(key, values)
    form = _build_form(request, version=version, role=role)
    attendees = AttendeesForm(request.POST if request.method == "POST" else None)
    # Results come back after a redirect (post/redirect/get): reloading the page shows them
    # again instead of declaring for everyone a second time.
    results = [
        services.BatchResult(**row)
        for row in request.session.pop(TRAINING_BASE_RESULTS_SESSION_KEY, [])
    ]
    if request.method == "POST":
        form_ok, attendees_ok = form.is_valid(), attendees.is_valid()
        if form_ok and attendees_ok:
            try:
                results = declare(
                    role=role,
                    actor=request.user,
                    attendees=attendees.cleaned_data["attendees"],
                    data=form.declaration_input(),
                    request=request,
                )
            except ValidationError as error:
                form.apply_errors(error)
            except PermissionDenied as error:
                form.add_error(None, error_text(error))
            else:
                done = sum(1 for result in results if result.ok)
                failed = len(results) - done
                text = f"已为 {done} 人提交学时申报"
                if failed:
                    messages.warning(request, f"{text}；{failed} 人未能申报，原因见下表。")
                else:
                    messages.success(request, f"{text}。")
                request.session[TRAINING_BASE_RESULTS_SESSION_KEY] = [
                    dataclasses.asdict(result) for result in results
                ]
                return redirect("declarations:training_base_declare")
    page = FormPage("继续教育基地统一申报", None, key, version, mode="training_base")
    context = _page_context(
        request,
        page,
        form,
        attendees_form=attendees,
        results=results,
        results_ok=sum(1 for result in results if result.ok),
    )
    return render(request, "declarations/training_base.html", context)


# --- pictures inside the rich text (Anyang's 详细及附件) ------------------------------------------


@login_required
@require_POST
def inline_image_upload(request: HttpRequest, pk: int) -> JsonResponse:
    """The editor's 图片 button: one picture, checked by content; answers its address."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    declaration = _editable_declaration(request, role, pk)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": "请选择要插入的图片。"}, status=400)
    try:
        image = services.inline_image_add(
            declaration=declaration, upload=upload, actor=request.user, role=role, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        return JsonResponse(
            {"error": "".join(error_messages(error, default="无权插入图片。"))}, status=400
        )
    return JsonResponse({"url": image_url(image.pk), "name": image.original_name})


@login_required
@require_GET
def inline_image(request: HttpRequest, pk: int) -> FileResponse:
    """A picture of a claim's rich text, for whoever may see the claim (else 404), shown inline:
    only pictures are kept as such, by their content, so nothing else is ever rendered."""
    role = require_role(request, message=NO_ACTIVE_ROLE)
    image = (
        Attachment.objects.filter(
            pk=pk,
            purpose=AttachmentPurpose.INLINE,
            declaration__in=declarations_in_scope(role),
        )
        .only("file", "content_type", "original_name")
        .first()
    )
    if image is None or not image.content_type.startswith("image/"):
        raise Http404("图片不存在或不在您的查看范围内。")
    try:
        handle = image.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("图片文件已不存在。") from error
    response = FileResponse(handle, content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, max-age=3600"
    return response
