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


class Command(BaseCommand):
    help = "Load the Jiangning Road demo data set and demo logins (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        # One transaction per module: what a module's writes enqueue on commit (similarity of the demo
        # cases) runs before the next module starts, so matters.demo finds that work done.
        for name in DEMO_MODULES:
            with transaction.atomic():
                created = import_module(name).load()
            self.stdout.write(f"{name}: {created} rows created")
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Logins: admin, staff, handbook, committee, haifang / ruziniu-demo")
        )
