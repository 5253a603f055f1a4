from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "xueshi.applications"
    verbose_name = "学时认定申请书"

    def ready(self) -> None:
        from . import receivers, reviewable  # noqa: F401 (receivers: the bell)

        # The lifecycle learns to move applications: every move goes through its transition().
        reviewable.register_application()
