"""ClaimFacts: what the rules know about one claim, typed, built once and passed along.

The form's hours preview, drafting (``declarations.services.declaration_prepare``, which the
Excel import and training-base declaring call too) and submit each build one and hand it to
``policy.hours.calculate_hours`` and ``validate_declaration_inputs``. The category's own
inputs (title, dates, quantity, hours typed, months on leave…) are the profile's fields, so
they stay a mapping by field name (``fields``); everything the rules need besides them has its
own attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

# Attributes of ClaimFacts that the rules read by name, as the calculator's inputs call them.
_OWN = {
    "credit_year": "credit_year",
    "level": "level_code",
    "pledge": "pledge",
    "attachment_count": "attachment_count",
    "attachment_kinds": "attachment_kinds",
    "attachment_sizes": "attachment_sizes",
    "hours_already_this_year": "hours_already_this_year",
    "declared_by": "declared_by",
}


@dataclass(frozen=True)
class ClaimFacts:
    category_code: str
    level_code: str = ""
    # As typed (the validator judges it); None when nothing was typed.
    credit_year: Any = None
    # The category's own inputs by profile field name (read-only).
    fields: Mapping[str, Any] = field(default_factory=dict)
    # What the person already has in this category this credit year, for its yearly cap.
    hours_already_this_year: Decimal = Decimal(0)
    attachment_count: int = 0
    attachment_kinds: tuple[str, ...] = ()
    attachment_sizes: tuple[int, ...] = ()
    pledge: bool = False
    # The declaring route, a declarant kind (professional, training_base_admin…): some
    # routes need no evidence (Henan's training base declaring for all attendees).
    declared_by: str = "professional"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def get(self, name: str, default: Any = None) -> Any:
        """The value the rules call ``name`` (own attributes first, then the fields)."""
        own = _OWN.get(name)
        if own is not None:
            value = getattr(self, own)
            return default if value is None else value
        return self.fields.get(name, default)

    @classmethod
    def from_inputs(
        cls, category_code: str, inputs: Mapping[str, Any], level_code: str = ""
    ) -> ClaimFacts:
        """From a name → value mapping (a JSON body, a test's dict)."""
        return cls(
            category_code=category_code,
            level_code=str(inputs.get("level") or level_code or ""),
            credit_year=inputs.get("credit_year"),
            fields={name: value for name, value in inputs.items() if name not in _OWN},
            hours_already_this_year=inputs.get("hours_already_this_year") or Decimal(0),
            attachment_count=inputs.get("attachment_count") or 0,
            attachment_kinds=tuple(inputs.get("attachment_kinds") or ()),
            attachment_sizes=tuple(inputs.get("attachment_sizes") or ()),
            pledge=inputs.get("pledge") is True,
            declared_by=str(inputs.get("declared_by") or "professional"),
        )


def as_facts(category_code: str, inputs: ClaimFacts | Mapping[str, Any]) -> ClaimFacts:
    return (
        inputs if isinstance(inputs, ClaimFacts) else ClaimFacts.from_inputs(category_code, inputs)
    )
