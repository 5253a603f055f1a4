from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xueshi.orgs"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the system check)
