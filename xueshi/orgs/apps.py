from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xueshi.orgs"
    verbose_name = "组织机构"
