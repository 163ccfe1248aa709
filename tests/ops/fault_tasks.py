"""A task for the fault tests only, loaded into a test worker with `celery worker --include`.

It writes one timeline note on a case, idempotently, and on its first delivery lingers after the
write (or before it), so that the test can SIGKILL the worker in the middle of it.
"""

import time
from pathlib import Path

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from cases.models import Case, CaseEvent
from cases.services import case_transition


@shared_task(name="tests.fault_note")
def fault_note(case_id: int, marker: str, actor_id: int, log: str, linger: str) -> bool:
    """Write the note `marker` once. `linger` is "before" or "after" the write, on the first delivery only."""
    deliveries = Path(log)
    with deliveries.open("a") as out:
        out.write("start\n")
    first = deliveries.read_text().count("start") == 1
    if first and linger == "before":
        time.sleep(120)
    with transaction.atomic():
        # The row lock serialises two deliveries; the check makes the second one a no-op.
        Case.objects.select_for_update(no_key=True).get(pk=case_id)
        if CaseEvent.objects.filter(case_id=case_id, note=marker).exists():
            written = False
        else:
            actor = get_user_model().objects.get(pk=actor_id)
            case_transition(case_id=case_id, actor=actor, action="note", note=marker)
            written = True
    if first and linger == "after":
        time.sleep(120)
    with deliveries.open("a") as out:
        out.write("done\n")
    return written
