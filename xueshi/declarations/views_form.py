"""Placeholder: being written."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


declaration_create = declaration_edit = form_fields = form_hours = attachment_upload = _todo
attachment_delete = declare_for = training_base_declare = _todo
