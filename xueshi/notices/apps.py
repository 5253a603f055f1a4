from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "xueshi.notices"
    verbose_name = "通知公告与政策法规"
