from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "xueshi.review"
    verbose_name = "审核"

    def ready(self) -> None:
        from . import lifecycle, permissions

        # Declarations knows no chain: it learns here where claims are routed (its scope), and
        # the lifecycle learns which items it moves.
        permissions.register_scope()
        lifecycle.register_declaration()
