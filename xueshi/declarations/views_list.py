"""Placeholder: being written."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


declaration_list = declaration_detail = declaration_trail = declaration_submit = _todo
declaration_withdraw = declaration_delete = attachment_download = _todo
