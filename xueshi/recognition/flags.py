"""What this app shows in lower apps' pages, through their registries: the note under each
evidence file (declarations/evidence.py) and the reviewers' flags and comparison panel
(review/flags.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from xueshi.accounts.models import RoleAssignment
from xueshi.declarations.models import Declaration
from xueshi.review.flags import Flag

from . import engine, selectors

MISMATCH = "证书与申报不一致"
REUSED = "证书重复使用"


def evidence_notes(attachments: Sequence[Any]) -> dict[int, SafeString]:
    """Progress (polled while pending) or the result, under each file read."""
    if not engine.available() or not attachments:
        return {}
    found = selectors.recognitions_of_attachments([a.pk for a in attachments])
    return {
        pk: render_to_string("recognition/_note.html", {"recognition": recognition})
        for pk, recognition in found.items()
    }


class RecognitionFlags:
    def enabled(self) -> bool:
        return engine.available()

    def flagged(self) -> Q:
        return Q(Exists(selectors.mismatched(OuterRef("pk")))) | Q(
            Exists(selectors.reused(OuterRef("pk")))
        )

    def flags(
        self, role: RoleAssignment, declarations: Sequence[Declaration]
    ) -> dict[int, list[Flag]]:
        ids = [declaration.pk for declaration in declarations]
        found: dict[int, list[Flag]] = {}
        for pk, sentences in selectors.mismatches_by_declaration(ids).items():
            found.setdefault(pk, []).append(Flag(MISMATCH, "；".join(sentences)))
        for pk in selectors.reused_declarations(ids):
            found.setdefault(pk, []).append(Flag(REUSED, "该证书也用于其他申报"))
        return found

    def panel(
        self, request: HttpRequest, role: RoleAssignment, declaration: Declaration
    ) -> SafeString | None:
        readings = selectors.review_readings(role, declaration)
        if not readings:
            return None
        return render_to_string(
            "recognition/_review_panel.html",
            {"readings": readings, "declaration": declaration},
            request=request,
        )


RECOGNITION_FLAGS = RecognitionFlags()
