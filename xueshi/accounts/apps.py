from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xueshi.accounts"
    verbose_name = "账户与人员"
