from django.apps import AppConfig
from django.contrib import admin
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "xueshi.core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Each app declares its exports in its own exports.py (the export registry).
        autodiscover_modules("exports")
        from . import admin_actions, checks  # noqa: F401  (checks registers the system checks)

        # The admin modules are loaded by now (django.contrib.admin comes first in
        # INSTALLED_APPS and discovers them in its ready()).
        admin_actions.protect_every_admin(admin.site)
