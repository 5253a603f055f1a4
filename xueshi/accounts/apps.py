from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xueshi.accounts"
    verbose_name = "账户与人员"

    def ready(self) -> None:
        # Logins and failures in the audit log; the single sign-on pages' rate limits.
        from . import receivers, sso  # noqa: F401
