import pytest
from django_tasks import task

from xueshi.accounts.tests.factories import UserFactory
from xueshi.core.jobs import job_create, job_enqueue, job_finish, job_progress, run_job
from xueshi.core.models import BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db


@task()
def count_to_three(job_id: int) -> None:
    def work() -> None:
        for _ in range(3):
            job_progress(job_id, add=1)
        job_finish(job_id, message="完成", file_name="结果.csv", content=b"a,b\n")

    run_job(job_id, work)


@task()
def always_fails(job_id: int) -> None:
    def work() -> None:
        raise ValueError("文件为空")

    run_job(job_id, work)


def test_job_runs_after_commit_and_reports_progress(django_capture_on_commit_callbacks, client):
    user = UserFactory.create()
    job = job_create(kind="test", created_by=user, title="测试任务", total=3)
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job, count_to_three)
    job.refresh_from_db()
    assert (job.status, job.done, job.percent) == (JobStatus.DONE, 3, 100)
    client.force_login(user)
    page = client.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "已完成" in page and "下载 结果.csv" in page
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"a,b\n"


def test_failure_is_shown_and_other_users_get_404(django_capture_on_commit_callbacks, client):
    user = UserFactory.create()
    job = job_create(kind="test", created_by=user, title="失败任务")
    # The task backend records the failure; the job row says what went wrong.
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job, always_fails)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "文件为空" in job.message
    client.force_login(UserFactory.create())
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert BackgroundJob.objects.count() == 1
