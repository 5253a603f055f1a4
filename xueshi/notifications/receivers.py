"""The bell: tell the person when a claim is returned, rejected or finally approved."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse

from xueshi.declarations import events
from xueshi.declarations.models import Declaration
from xueshi.policy.hours import fmt

from .services import notify


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
    _tell(declaration, f"您的学时申报“{declaration.title}”被退回：{reason}。请修改后重新提交。")


@receiver(events.declaration_rejected)
def on_rejected(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    _tell(declaration, f"您的学时申报“{declaration.title}”不予认定：{reason}。")


@receiver(events.declaration_approved)
def on_approved(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    hours = fmt(declaration.hours_counted)
    _tell(declaration, f"您的学时申报“{declaration.title}”已通过认定，批准 {hours} 学时。")


@receiver(events.approved_declaration_deleted)
def on_deleted(sender: Any, declaration: Declaration, reason: str, **kwargs: Any) -> None:
    _tell(declaration, f"您已通过认定的学时申报“{declaration.title}”被删除：{reason}。")
