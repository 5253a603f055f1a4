from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "xueshi.policy"
    verbose_name = "政策配置"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the system check)
