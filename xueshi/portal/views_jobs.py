"""A background job's progress (polled by HTMX) and its result file, for its owner only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from xueshi.core.models import BackgroundJob, JobStatus


def _own_job(request: HttpRequest, pk: int) -> BackgroundJob:
    return get_object_or_404(BackgroundJob, pk=pk, created_by=request.user)


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    template = "core/_job.html" if request.htmx else "core/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


@login_required
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404("结果文件尚未生成。")
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
