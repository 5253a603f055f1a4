from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xueshi.accounts"
    verbose_name = "账户与人员"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (logins and failures in the audit log)
