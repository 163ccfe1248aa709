import logging
import time
from contextlib import contextmanager
from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app that has demo data offers `<app>.demo.load() -> rows created`, run in this order.
DEMO_MODULES = [
    "places.demo",
    "accounts.demo",
    "cases.reference",
    "methods.seed",
    "cases.demo",
    "matters.demo",
    "api.demo",
]

# What each step is, for a person watching `make run`.
STEP_NAMES = {
    "places.demo": "neighbourhoods, estates and buildings",
    "accounts.demo": "demo logins",
    "cases.reference": "categories, channels, request types, departments",
    "methods.seed": "the work-method handbook",
    "cases.demo": "demo cases with their timelines",
    "matters.demo": "similar cases and classes of matters",
    "api.demo": "API service accounts",
}

# Loggers that print one line per task or connection while the demo loads (230 "Task … succeeded" lines).
QUIET_LOGGERS = ("celery.app.trace", "kombu.connection")


@contextmanager
def quiet(names=QUIET_LOGGERS):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _similarity_counts() -> tuple[int, int, int]:
    from matters.models import CaseLink, CaseSignature, MatterClass

    return CaseSignature.objects.count(), CaseLink.objects.count(), MatterClass.objects.count()


class Command(BaseCommand):
    help = "Load the Jiangning Road demo data set and demo logins (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        from cases.models import Case

        started = time.monotonic()
        cases_before, similarity_before = Case.objects.count(), _similarity_counts()
        # One transaction per module: what a module's writes enqueue on commit (similarity of the demo
        # cases) runs before the next module starts, so matters.demo finds that work done.
        with quiet():
            for number, name in enumerate(DEMO_MODULES, start=1):
                step_started = time.monotonic()
                self.stdout.write(f"  [{number}/{len(DEMO_MODULES)}] {STEP_NAMES.get(name, name)} … ", ending="")
                self.stdout.flush()
                with transaction.atomic():
                    created = import_module(name).load()
                line = f"{created} rows created" if created else "already there"
                if name == "cases.demo" and created:
                    line = f"{Case.objects.count() - cases_before} demo cases ({created} rows)"
                self.stdout.write(f"{line}, {time.monotonic() - step_started:.1f} s")
        after = _similarity_counts()
        signatures, links, classes = (now - then for now, then in zip(after, similarity_before, strict=True))
        self.stdout.write(
            f"  similarity pass: {signatures} cases indexed, {links} similar pairs, {classes} classes of matters"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.0f} s ({Case.objects.count()} cases). "
                "Logins: admin, staff, director, huifang, handbook, committee, haifang / ruziniu-demo"
            )
        )
