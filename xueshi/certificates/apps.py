from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "xueshi.certificates"
    verbose_name = "继续教育合格证书"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to the ledger's event)
