from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "xueshi.notifications"
    verbose_name = "消息"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (subscribes to declaration events)
