"""Billing tests run on a fixed clinic day: a module sets ``CLINIC_TODAY`` and its tests see
that date as today (noon at the clinic), so nothing depends on when the suite runs."""

from datetime import datetime, time

import pytest
import time_machine

from kapms import clinic_time


@pytest.fixture(autouse=True)
def clinic_today(request):
    """Freeze the clock at noon clinic time on the module's ``CLINIC_TODAY``, if it has one."""
    day = getattr(request.module, "CLINIC_TODAY", None)
    if day is None:
        # The pure rule tests need no app (building one costs seconds per mutant under
        # `make mutate`).
        yield None
        return
    request.getfixturevalue("app")  # the app sets the clinic's zone
    with time_machine.travel(datetime.combine(day, time(12), clinic_time.zone()), tick=False):
        yield day
