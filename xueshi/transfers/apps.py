from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "xueshi.transfers"
    verbose_name = "学时转入"

    def ready(self) -> None:
        from . import lifecycle

        # The lifecycle moves transfer requests (the review app cannot import this app).
        lifecycle.register_transfer_request()
