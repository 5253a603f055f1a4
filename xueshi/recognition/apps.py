from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "xueshi.recognition"
    verbose_name = "证书识别"

    def ready(self) -> None:
        # Evidence attached, claims changed; the flags; the photo page's rate limit.
        from . import receivers  # noqa: F401
