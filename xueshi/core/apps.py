from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "xueshi.core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Each app declares its exports in its own exports.py (the export registry).
        autodiscover_modules("exports")
        from . import checks  # noqa: F401  (registers the system checks)
