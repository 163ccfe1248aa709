"""Two clerks at once on PostgreSQL: merging the same pair, or merging into a case that is being resolved.
One wins; nothing is half-written; nobody deadlocks (cases/merging.py locks cases in ascending id order)."""

import threading
import time

import pytest
from django.db import connection, transaction

from cases.merging import case_merge
from cases.models import Case, CaseEvent, EventKind, Status
from cases.services import CaseError, case_transition
from tests.conftest import make_case, require

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls) -> list:
    """Run each call in its own thread and connection, released together while a third connection holds the
    lowest case's row lock (so that both really wait on each other), and return what each returned or raised."""
    results = [None] * len(calls)
    ready = threading.Barrier(len(calls) + 1)

    def run(index, call):
        try:
            ready.wait()
            results[index] = call()
        except Exception as error:  # the loser's refusal is a result, not a failure
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    lowest = min(Case.objects.values_list("pk", flat=True))
    with transaction.atomic():
        Case.objects.select_for_update(no_key=True).get(pk=lowest)
        for thread in threads:
            thread.start()
        ready.wait()
        time.sleep(0.5)  # both are now queued behind this lock
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a merge hung (deadlock?)"
    return results


def pair(staff_user, neighbourhood, estate, building, category):
    at = {"neighbourhood": neighbourhood, "estate": estate, "building": building, "category": category}
    return make_case(staff_user, **at), make_case(staff_user, reporter_phone="13900001111", **at)


def merge_events(case) -> int:
    return CaseEvent.objects.filter(case=case, kind=EventKind.MERGED).count()


def test_two_clerks_merging_the_same_pair_both_ways_leave_exactly_one_merge(
    staff_user, neighbourhood, estate, building, elevator_category
):
    require(connection.vendor == "postgresql", "row locks across connections need PostgreSQL (set DATABASE_URL)")
    a, b = pair(staff_user, neighbourhood, estate, building, elevator_category)
    results = at_once(
        lambda: case_merge(case_id=a.pk, into_id=b.pk, actor=staff_user, note="重复"),
        lambda: case_merge(case_id=b.pk, into_id=a.pk, actor=staff_user, note="重复"),
    )
    won = [result for result in results if isinstance(result, Case)]
    lost = [result for result in results if isinstance(result, CaseError)]
    assert len(won) == 1 and len(lost) == 1, results
    merged = Case.objects.get(pk=won[0].pk)
    master = Case.objects.get(pk=merged.merged_into_id)
    assert merged.status == Status.MERGED and master.status == Status.NEW and master.merged_into_id is None
    assert merge_events(merged) == 1 and merge_events(master) == 1
    assert master.version == 2 and merged.version == 2  # each written once


def test_two_clerks_merging_the_same_case_the_same_way_write_it_once(
    staff_user, neighbourhood, estate, building, elevator_category
):
    require(connection.vendor == "postgresql", "row locks across connections need PostgreSQL (set DATABASE_URL)")
    a, b = pair(staff_user, neighbourhood, estate, building, elevator_category)
    results = at_once(*[lambda: case_merge(case_id=b.pk, into_id=a.pk, actor=staff_user, note="重复")] * 2)
    assert sum(isinstance(result, Case) for result in results) == 1, results
    refusal = next(result for result in results if isinstance(result, CaseError))
    assert a.reference in refusal.message
    assert merge_events(b) == 1 and merge_events(a) == 1


def test_a_merge_racing_the_masters_resolve_either_lands_before_it_or_is_refused(
    staff_user, neighbourhood, estate, building, elevator_category, method
):
    require(connection.vendor == "postgresql", "row locks across connections need PostgreSQL (set DATABASE_URL)")
    outcomes = set()
    for _round in range(4):
        master, duplicate = pair(staff_user, neighbourhood, estate, building, elevator_category)
        for action in ("dispatch", "accept", "start"):
            case_transition(case_id=master.pk, actor=staff_user, action=action, assignee=staff_user)
        merge, resolve = at_once(
            lambda d=duplicate, m=master: case_merge(case_id=d.pk, into_id=m.pk, actor=staff_user, note="重复"),
            lambda m=master: case_transition(
                case_id=m.pk, actor=staff_user, action="resolve", resolution="已更换", method=method
            ),
        )
        assert isinstance(resolve, Case), resolve  # the resolve never fails because of a merge
        master, duplicate = Case.objects.get(pk=master.pk), Case.objects.get(pk=duplicate.pk)
        assert master.status == Status.RESOLVED
        lines = list(CaseEvent.objects.filter(case=master).order_by("pk").values_list("action", flat=True))
        if isinstance(merge, Case):
            # The merge came first: it is complete on both cases, and the resolve came after it.
            assert duplicate.status == Status.MERGED and duplicate.merged_into_id == master.pk
            assert lines.index("merge") < lines.index("resolve")
            outcomes.add("merged first")
        else:
            # The resolve came first: the merge was refused naming the master, and wrote nothing.
            assert isinstance(merge, CaseError) and master.reference in merge.message
            assert duplicate.status == Status.NEW and duplicate.merged_into_id is None
            assert "merge" not in lines and merge_events(duplicate) == 0
            outcomes.add("refused")
    assert outcomes  # each round ended in one of the two consistent states
