"""The Django admin's bulk actions with the selected rows' ids checked first.

Django filters the selection with ``pk__in`` as posted; on PostgreSQL a tampered id that is not
a number then raises inside the query (a 500, found by the hostile-input fuzzing). Here it is
refused with a message instead, and nothing is done.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class ActionIdsChecked:
    """Put before ModelAdmin: a selection that holds anything but row ids is refused."""

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if any(not (item.isascii() and item.isdigit() and len(item) < 19) for item in selected):
            self.message_user(  # type: ignore[attr-defined]
                request, "所选记录无效，请重新勾选后再操作。", messages.WARNING
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, *args, **kwargs)  # type: ignore[misc]


def protect_every_admin(site: Any) -> None:
    """Give every registered ModelAdmin (third-party ones too: axes, django-otp, tasks) the
    check above. Called once the admin modules are loaded (CoreConfig.ready)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ActionIdsChecked):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (ActionIdsChecked, cls), {}))
