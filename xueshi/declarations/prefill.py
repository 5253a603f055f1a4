"""A claim form started from something read elsewhere (a certificate photo): the values wait in
the session until the claim is saved, and each field they fill says so (由证书识别) for the
person to confirm or correct. The app that read them (xueshi/recognition) stores them here;
this app never knows where they came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

SESSION_KEY = "declaration_prefill"
PREFILLED_NOTE = "由证书识别，请核对或更正"


def prefill_store(request: HttpRequest, values: Mapping[str, str], *, source: str) -> None:
    """Values by form field name (title, start_date, hours_claimed, certificate_number…)."""
    request.session[SESSION_KEY] = {
        "values": {name: value for name, value in values.items() if value},
        "source": source,
    }


def prefill_values(request: HttpRequest) -> dict[str, str]:
    stored = request.session.get(SESSION_KEY) or {}
    return dict(stored.get("values") or {})


def prefill_clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def prefill_mark(request: HttpRequest, form: Any) -> list[str]:
    """Mark the form's fields still holding a pre-filled value; returns their names."""
    values = prefill_values(request)
    if not values:
        return []
    source = form.data if form.is_bound else {**form.initial, **getattr(form, "data", {})}
    marked = []
    for name, value in values.items():
        field = form.fields.get(name)
        if field is None or str(source.get(name, "")) != value:
            continue  # not on this category's form, or already corrected
        field.help_text = (
            f"{PREFILLED_NOTE}。{field.help_text}" if field.help_text else PREFILLED_NOTE
        )
        css = field.widget.attrs.get("class", "")
        field.widget.attrs["class"] = f"{css} xs-prefilled".strip()
        field.widget.attrs["data-prefilled"] = "由证书识别"
        marked.append(name)
    return marked
