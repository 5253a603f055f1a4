"""Evidence attached → read it in the background; a claim changed → compare it again. Also
registers this app's note on the claim pages and its flags in the reviewers' pages."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from xueshi.core.ratelimit import limit_url
from xueshi.declarations.events import evidence_attached
from xueshi.declarations.evidence import register_evidence_notes
from xueshi.declarations.models import Attachment, Declaration, DeclarationStatus
from xueshi.review.flags import register_flag_provider

from . import engine
from .flags import RECOGNITION_FLAGS, evidence_notes
from .services import mismatches_refresh, recognition_create
from .tasks import recognise_evidence_task

# 从证书照片开始 reads a photo in the web process (seconds, hundreds of MB): a few POSTs per
# address and five minutes (settings.RATELIMITS["recognition"]).
limit_url("recognition:from_photo", "recognition", methods={"POST"})

# Saves of a claim that change what is compared with its certificate.
COMPARED_FIELDS = frozenset(
    {"hours_claimed", "credits_claimed", "start_date", "end_date", "certificate_number", "extra"}
)


@receiver(evidence_attached)
def on_evidence_attached(sender: Any, attachment: Attachment, **kwargs: Any) -> None:
    recognition = recognition_create(attachment=attachment)
    if recognition is not None:
        transaction.on_commit(partial(recognise_evidence_task.enqueue, recognition.pk))


@receiver(post_save, sender=Declaration)
def on_declaration_saved(
    sender: Any, instance: Declaration, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if created:
        return
    if update_fields is not None and not COMPARED_FIELDS.intersection(update_fields):
        return  # a partial save of other fields: nothing compared changed
    if instance.status not in (DeclarationStatus.DRAFT, DeclarationStatus.RETURNED):
        return  # only a draft or a returned claim is edited; a lifecycle move changes none
    # Last: it looks for the optional packages on disk (a batch approval saves 1,000 claims).
    if not engine.available():
        return

    mismatches_refresh(instance)


register_evidence_notes(evidence_notes)
register_flag_provider(RECOGNITION_FLAGS)
