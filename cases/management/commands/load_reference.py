from django.core.management.base import BaseCommand
from django.db import transaction

from cases import reference


class Command(BaseCommand):
    help = "Create the standard categories, channels, request types and departments that are missing."

    def handle(self, *args, **options):
        with transaction.atomic():
            created = reference.load()
        self.stdout.write(self.style.SUCCESS(f"{created} reference rows created"))
