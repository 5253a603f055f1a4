from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = getattr(request, "active_role", None)
    kind = role.kind if role else "none"
    return render(request, "core/home.html", {"role_kind": kind})
