from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the layers: home pages, the menu, job pages and the demo data loader.

    URL names stay in the ``core`` namespace (core:home, core:job_status) that templates, tests
    and redirects already use.
    """

    name = "xueshi.portal"
    verbose_name = "门户"
