"""Bulk work on every CPU: forked worker processes that share what the parent read before forking.

Used by matters.bulk (linking many cases) and matters.similarity (tokenising many cases). The work functions
never touch the database: a child shares the parent's connection."""

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

# What the worker processes of one bulk run read: set before they are forked, so that they share it.
shared: dict = {}


def run(function: Callable[[list], list], chunks: list[list]) -> Iterator[list]:
    """function(chunk) for each chunk, in order: in worker processes, one per CPU, forked so that they share
    `shared` without copying it; here, one after the other, where forking is unsafe or impossible (a daemon
    process such as a Celery prefork child may not have children; a process with other threads may hold locks
    a child would inherit)."""
    workers = min(len(chunks), os.cpu_count() or 1)
    if workers < 2 or not forkable():
        yield from map(function, chunks)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(function, chunks)


def forkable() -> bool:
    process = multiprocessing.current_process()
    return "fork" in multiprocessing.get_all_start_methods() and not process.daemon and threading.active_count() == 1
