"""The bell: tell the person when a claim is returned, rejected, finally approved, deleted,
or corrected or revoked by a sample audit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse

from xueshi.accounts import events as account_events
from xueshi.accounts.models import Registration
from xueshi.declarations import events
from xueshi.declarations.models import Declaration
from xueshi.policy.hours import fmt
from xueshi.policy.words import DEFAULT_STATE_WORDS, status_word

from .models import Notification
from .services import notify, notify_registrant, unread_count_changed


@receiver(post_save, sender=Notification)
@receiver(post_delete, sender=Notification)
def on_notification_written(sender: Any, instance: Notification, **kwargs: Any) -> None:
    # Created, saved read (or unread) or deleted, however it was written: the bell counts again.
    unread_count_changed(instance.recipient_id)


def _link(declaration: Declaration) -> str:
    try:
        return reverse("declarations:detail", args=[declaration.pk])
    except NoReverseMatch:
        return ""


def _tell(declaration: Declaration, message: str) -> None:
    # Only once the transition has committed: a rolled-back approval sends no message.
    recipient, url = declaration.person.user, _link(declaration)
    transaction.on_commit(lambda: notify(recipient=recipient, message=message, url=url))


@receiver(events.declaration_returned)
def on_returned(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    # In the region's words where it names its own (Zhejiang: 企业审核不通过).
    word = declaration.status_word
    said = "被退回" if word == DEFAULT_STATE_WORDS["returned"] else word
    _tell(declaration, f"您的学时申报“{declaration.title}”{said}：{reason}。请修改后重新提交。")


@receiver(events.declaration_rejected)
def on_rejected(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    word = declaration.status_word
    _tell(declaration, f"您的学时申报“{declaration.title}”{word}：{reason}。")


@receiver(events.declaration_approved)
def on_approved(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    hours = fmt(declaration.hours_counted)
    word = declaration.status_word
    _tell(declaration, f"您的学时申报“{declaration.title}”已{word}，批准 {hours} 学时。")


@receiver(events.approved_declaration_deleted)
def on_deleted(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    # The word of the state it had (the deleted claim's own state is 已删除).
    word = status_word(declaration.policy_profile, declaration.profile_version, "approved")
    _tell(declaration, f"您已{word}的学时申报“{declaration.title}”被删除：{reason}。")


@receiver(events.approved_declaration_corrected)
def on_audit_corrected(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    hours = fmt(declaration.hours_counted)
    _tell(
        declaration,
        f"您的学时申报“{declaration.title}”经抽查核减学时，现认定 {hours} 学时：{reason}。",
    )


@receiver(events.approved_declaration_revoked)
def on_audit_revoked(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    _tell(declaration, f"您的学时申报“{declaration.title}”经抽查撤销认定：{reason}。")


# ---- 个人注册: the person is told at each step (issue 17 item 3) ---------------------------


def _tell_registrant(registration: Registration, message: str) -> None:
    recipient = registration.person.user
    transaction.on_commit(lambda: notify_registrant(recipient=recipient, message=message))


@receiver(account_events.registration_submitted)
def on_registration_submitted(sender: Any, registration: Registration, **kwargs: Any) -> None:
    then = "，再报主管部门审批" if registration.supervisor_id else ""
    _tell_registrant(
        registration,
        f"您在学时平台的注册已提交，等待“{registration.unit.name}”审核{then}。",
    )


@receiver(account_events.registration_forwarded)
def on_registration_forwarded(sender: Any, registration: Registration, **kwargs: Any) -> None:
    supervisor = registration.supervisor.name if registration.supervisor else "主管部门"
    _tell_registrant(
        registration,
        f"您的注册已通过“{registration.unit.name}”审核，等待“{supervisor}”审批。",
    )


@receiver(account_events.registration_approved)
def on_registration_approved(sender: Any, registration: Registration, **kwargs: Any) -> None:
    _tell_registrant(
        registration,
        "您的注册已审核通过，现在可以用身份证号和注册时设置的密码登录学时平台。",
    )


@receiver(account_events.registration_refused)
def on_registration_refused(
    sender: Any, registration: Registration, reason: str, **kwargs: Any
) -> None:
    _tell_registrant(
        registration,
        f"您的注册未通过审核：{reason}。请核实后重新注册或联系所在单位管理员。",
    )
