"""Background work for certificates: one issue after a ledger change, batches, the ZIP."""

from __future__ import annotations

from django_tasks import task

from xueshi.core.jobs import run_job

# A module reference, not a name: services imports this module at its top to enqueue tasks.
from . import services


@task()
def issue_certificate(person_id: int, credit_year: int, replaces_id: int | None) -> None:
    services.certificate_issue(
        person_id=person_id, credit_year=credit_year, replaces_id=replaces_id
    )


@task()
def batch_issue(job_id: int, role_id: int, credit_year: int, unit_id: int | None) -> None:
    run_job(job_id, lambda: services.batch_issue_run(job_id, role_id, credit_year, unit_id))


@task()
def certificates_zip(job_id: int, role_id: int, credit_year: int) -> None:
    run_job(job_id, lambda: services.zip_run(job_id, role_id, credit_year))
