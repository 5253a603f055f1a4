from django.apps import AppConfig


class PlansConfig(AppConfig):
    """Yearly training plans (年度培训计划) of supervising departments and units, filed with
    人社 (备案); claims of Henan's forms 13 and 14 refer to one of their trainings."""

    name = "xueshi.plans"
    verbose_name = "年度培训计划"
