from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "xueshi.policy"
    verbose_name = "政策配置"
