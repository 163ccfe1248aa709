"""Named hooks through which higher apps react to cases without cases importing them (STYLE.md).

A higher app registers a listener in its AppConfig.ready(): `hooks.register(hooks.CASE_MOVED, on_move)`.
cases.services calls `hooks.fire(hooks.CASE_MOVED, case_id=…, …)` inside its transaction; each listener runs
once that transaction commits (never for a rolled-back write, and never before the data is visible to a worker).
A listener that fails is logged and does not fail the request that caused it (Django's robust on_commit):
listeners must leave a trace a periodic sweep can pick up, so a failure delays their work rather than losing it.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)

# The hooks cases fires, with the keyword arguments each listener receives.
CASE_SIMILARITY_STALE = "case_similarity_stale"  # case_id: created, or its text/category/place changed
CASE_MOVED = "case_moved"  # case_id, action, actor_id, from_status, to_status, event_id
EXTENSION_DECIDED = "extension_decided"  # extension_id, case_id, actor_id, approved, event_id
# Fired by higher apps through the same registry (an app fires only hooks its listeners may hear).
WARNING_RAISED = "warning_raised"  # warning_id (alerts)

_listeners: dict[str, list[Callable[..., object]]] = defaultdict(list)


def register(name: str, listener: Callable[..., object]) -> None:
    """Call `listener(**kwargs)` after the commit of every write that fires `name` (registering twice is once)."""
    if listener not in _listeners[name]:
        _listeners[name].append(listener)


def unregister(name: str, listener: Callable[..., object]) -> None:
    """Stop calling `listener` for `name` (a bench or a one-off script that does the work itself)."""
    if listener in _listeners[name]:
        _listeners[name].remove(listener)


def listeners(name: str) -> list[Callable[..., object]]:
    return list(_listeners[name])


def fire(name: str, **kwargs) -> None:
    """Run every listener of `name` with `kwargs` once the current transaction commits (at once outside one)."""
    for listener in _listeners[name]:
        transaction.on_commit(partial(listener, **kwargs), robust=True)


# Synchronous hooks: ops.privacy asks every app that keeps a resident's data (attachments) to remove it, and an
# import hands its media_url links to the app that keeps them. These run inside the caller's transaction.
@dataclass(frozen=True)
class PersonalDataHolder:
    holds: Callable  # holds(case) -> bool: the app keeps personal data of this case's resident
    erase: Callable  # erase(case=, actor=) -> str: removes it; returns a phrase for the timeline note ("" if none)


_personal_data: list[PersonalDataHolder] = []


def register_personal_data(*, holds: Callable, erase: Callable) -> None:
    """Let anonymising a case (ops.privacy) find and remove personal data that another app keeps."""
    holder = PersonalDataHolder(holds, erase)
    if holder not in _personal_data:
        _personal_data.append(holder)


def holds_personal_data(case) -> bool:
    return any(holder.holds(case) for holder in _personal_data)


def erase_personal_data(*, case, actor) -> list[str]:
    """Remove what every registered app keeps of the case's resident; the phrases of what was removed."""
    return [phrase for holder in _personal_data if (phrase := holder.erase(case=case, actor=actor))]


_media_links: list[Callable] = []


def register_media_links(keep: Callable) -> None:
    """keep(links=[(case_id, url)], actor=) keeps the media_url of imported rows (a link, never fetched)."""
    if keep not in _media_links:
        _media_links.append(keep)


def keep_media_links(*, links: list[tuple[int, str]], actor) -> None:
    if links:
        for keep in _media_links:
            keep(links=links, actor=actor)


# Writes to a case's counted fields: the dashboards' roll-ups follow each write inside the writer's transaction, so
# that they commit (or roll back) with it. A service snapshots the case as it was with `facts(case)` right after
# locking it and calls `cases_written([(before, facts(case))])` after saving it (before None: the case is new).
Facts = dict
_case_writes: list[Callable] = []


def facts(case) -> Facts:
    """The case's own column values, by attribute name (category_id, …): what it was before a write."""
    return {field.attname: getattr(case, field.attname) for field in case._meta.concrete_fields}


def register_case_writes(listener: Callable) -> None:
    """listener(changes=[(before, after)]) runs inside the transaction of every write to cases' counted fields."""
    if listener not in _case_writes:
        _case_writes.append(listener)


def unregister_case_writes(listener: Callable) -> None:
    if listener in _case_writes:
        _case_writes.remove(listener)


_together = threading.local()


def cases_written(changes: list[tuple[Facts | None, Facts | None]]) -> None:
    """Tell the listeners how each case was and is (facts); a listener that fails fails the write."""
    changes = [(before, after) for before, after in changes if before != after]
    collected = getattr(_together, "changes", None)
    if collected is not None:
        collected.extend(changes)
    elif changes:
        for listener in _case_writes:
            listener(changes=changes)


@contextmanager
def together():
    """Within it (and inside the caller's transaction), the writes of several cases reach the listeners as one
    call at the end. 并单 and 拆单 write a few cases in one transaction: the roll-ups then take their rows in one
    upsert in key order, where one upsert per case could cross another transaction's order and deadlock. What it
    collects is told even if a savepoint inside it rolled back: wrap only writes that do not catch their errors."""
    if getattr(_together, "changes", None) is not None:  # already inside: the outer one tells
        yield
        return
    _together.changes = collected = []
    try:
        yield
    finally:
        _together.changes = None
    cases_written(collected)
