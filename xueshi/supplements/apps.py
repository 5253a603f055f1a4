from django.apps import AppConfig


class SupplementsConfig(AppConfig):
    name = "xueshi.supplements"
    verbose_name = "增补"

    def ready(self) -> None:
        from . import lifecycle, rules

        # The lifecycle moves supplement requests; declarations asks here whether a closed
        # year's claim may be added (it cannot import this app, which sits above it).
        lifecycle.register_supplement_request()
        rules.register_grant()
