"""The accounts app's part of the export registry (found at start-up by core's AppConfig).

Background exports reload the active role by id in the worker: core may not import accounts,
so accounts hands it the loader here.
"""

from xueshi.core.exports import register_role_loader

from .permissions import load_role

register_role_loader(load_role)
