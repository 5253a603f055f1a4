from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xueshi.api"
    verbose_name = "数据接口"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (outbound events follow the domain events)
