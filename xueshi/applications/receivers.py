"""The bell for the yearly application: the person hears of a return and of the certification,
once the move has committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from xueshi.notifications.services import notify

from . import events
from .models import Application


def _tell(application: Application, message: str) -> None:
    recipient = application.person.user
    url = reverse("applications:detail", args=[application.pk])
    transaction.on_commit(lambda: notify(recipient=recipient, message=message, url=url))


@receiver(events.application_returned)
def on_returned(sender: Any, application: Application, reason: str = "", **kwargs: Any) -> None:
    _tell(
        application,
        f"您的学时认定申请书 {application.number} 被退回：{reason}。请修改后重新提交审核。",
    )


@receiver(events.application_approved)
def on_approved(sender: Any, application: Application, **kwargs: Any) -> None:
    hours = f"{application.hours_granted.normalize():f}" if application.hours_granted else "0"
    _tell(
        application,
        f"您的学时认定申请书 {application.number} 已认定通过，{hours} 学时计入 "
        f"{application.credit_year} 年度。",
    )
