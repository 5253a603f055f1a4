from django.apps import AppConfig


class UnitsConfig(AppConfig):
    """The unit administrator's console and the organisation pages that need people and roles.

    Sits above accounts (orgs below it knows no people), so accounts and orgs no longer import
    each other. URL names stay in the ``orgs`` namespace (config/urls.py joins the two lists).
    """

    name = "xueshi.units"
    verbose_name = "单位管理"
