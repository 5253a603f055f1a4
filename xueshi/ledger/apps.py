from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "xueshi.ledger"
    verbose_name = "学时台账"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (approvals and deletions move hours)
