"""Form base classes: Bootstrap 5 classes on every widget, errors marked for screen readers."""

from __future__ import annotations

from typing import Any

from django import forms


def style_widgets(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        widget = field.widget
        choices = forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
        if isinstance(widget, choices):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        # `_errors`, not `errors`: reading `errors` runs full_clean(), which from __init__ would
        # validate before a subclass has finished setting up its fields (e.g. a queryset).
        errors = getattr(form, "_errors", None)
        wanted = [css] + (["is-invalid"] if errors and name in errors else [])
        widget.attrs["class"] = " ".join(dict.fromkeys(classes + wanted))
        if "is-invalid" in wanted:
            widget.attrs["aria-invalid"] = "true"


class StyledFormMixin:
    """Put before a Django form class: styles widgets when built and again after validation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        style_widgets(self)  # type: ignore[arg-type]


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass
