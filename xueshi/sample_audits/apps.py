from django.apps import AppConfig


class SampleAuditsConfig(AppConfig):
    """抽查: random sample audits of approved claims (not the audit log, `core/audit.py`)."""

    name = "xueshi.sample_audits"
    verbose_name = "学时抽查"
