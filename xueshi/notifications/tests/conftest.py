"""The demo data fixture of the declaration tests, for the bell's journeys."""

from xueshi.declarations.tests.conftest import Demo, demo

__all__ = ["Demo", "demo"]
