from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "xueshi.review"
    verbose_name = "审核"

    def ready(self) -> None:
        from xueshi.declarations.permissions import register_routed_steps

        from . import lifecycle, permissions

        # Declarations knows no chain: it learns here where claims are routed (its scope), and
        # the lifecycle learns which items it moves.
        register_routed_steps(permissions.routed_steps)
        lifecycle.register_declaration()
