"""Third-party apps under Chinese names in the admin (issue 23: a region's staff read no
"AXES" or "Tasks Database Backend"). INSTALLED_APPS lists these configs instead of the bare
app names; the app labels, and so the tables and migrations, stay the packages' own."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class Axes(AxesAppConfig):
    verbose_name = "登录失败与锁定"


class TasksDatabase(TasksAppConfig):
    verbose_name = "后台任务"
