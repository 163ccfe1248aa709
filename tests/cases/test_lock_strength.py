"""Row locks that serialise work must not hold up rows that merely point at the locked one.

Under 100 users (bench/load.py) a move failed with "deadlock detected": the worker held its category lock
(matters.services.class_propose_for) FOR UPDATE, a new case of that category waited at COMMIT to check its
foreign key (FOR KEY SHARE), holding the day's dashboard roll-up rows, and a third transaction waited on those.
Every lock is now FOR NO KEY UPDATE, which a foreign-key check does not wait for."""

import re
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from cases.models import Case
from matters.services import serialise_proposals
from tests.conftest import make_case, require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def test_a_new_case_commits_while_the_worker_holds_its_category(staff_user, neighbourhood, elevator_category):
    require(connection.vendor == "postgresql", "row locks across connections need PostgreSQL (set DATABASE_URL)")
    locked, release, outcome = threading.Event(), threading.Event(), {}

    def worker_holds_the_category():
        try:
            with transaction.atomic():
                serialise_proposals(elevator_category.pk)  # held open, as during a slow similarity run
                locked.set()
                release.wait(timeout=20)
        except Exception as error:  # reported by the test
            outcome["worker"] = error
        finally:
            connection.close()

    holder = threading.Thread(target=worker_holds_the_category)
    holder.start()
    try:
        assert locked.wait(timeout=10), outcome.get("worker")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait on the worker becomes an error, not a hang
        try:
            case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category)
        except Exception as error:  # reported below as the failure it is
            outcome["error"] = error
        else:
            outcome["case"] = case.pk
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert "error" not in outcome, outcome.get("error")
    assert Case.objects.filter(pk=outcome["case"], category=elevator_category).exists()


def test_no_code_takes_the_strong_row_lock():
    """FOR UPDATE blocks every foreign-key check on the row; nothing here changes a primary key."""
    strong = re.compile(r"select_for_update\((?![^)]*no_key=True)")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in (
            "accounts",
            "alerts",
            "api",
            "attachments",
            "cases",
            "dashboards",
            "matters",
            "methods",
            "notifications",
            "ops",
            "places",
            "public",
            "track",
            "governance",
        )
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if strong.search(line)
    ]
    assert found == []
