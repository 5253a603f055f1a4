from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "xueshi.recognition"
    verbose_name = "证书识别"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (evidence attached, claims changed; the flags)
