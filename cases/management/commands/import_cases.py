import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from cases.importing import ImportFileError, import_cases


class Command(BaseCommand):
    help = (
        "Import historical cases from a UTF-8 CSV or XLSX file with a header row. The whole file is checked "
        "first; nothing is written if any row is bad. A row whose external_id exists updates that case."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create unknown categories, neighbourhoods, estates, buildings, channels and request types",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--neighbourhood", help="the neighbourhood of rows that name none (an existing name)")
        parser.add_argument("--user", help="the staff username recorded on the timeline (default: first superuser)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = self._actor(options["user"])
        started = time.monotonic()

        def progress(done: int) -> None:
            self.stderr.write(f"\r{done} cases written", ending="")

        try:
            result = import_cases(
                path.read_bytes(),
                path.name,
                actor=actor,
                create_missing=options["create_missing"],
                dry_run=options["dry_run"],
                default_neighbourhood=options["neighbourhood"],
                progress=None if options["dry_run"] else progress,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        if result.ignored_columns:
            self.stdout.write(f"ignored columns: {', '.join(result.ignored_columns)}")
        for name in result.new_names:
            self.stdout.write(f"{'would create' if options['dry_run'] else 'created'} {name}")
        if result.errors:
            for error in result.errors:
                self.stdout.write(f"row {error.row}, {error.column}: {error.message}")
            raise CommandError(f"{len(result.errors)} problem(s) in {result.rows} rows; nothing was written")
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} rows checked in {time.monotonic() - started:.1f}s: {result.created} cases {verb} "
                f"created, {result.updated} {verb} updated, {result.unchanged} unchanged"
                + (" (dry run: nothing written)" if options["dry_run"] else "")
            )
        )
        if result.created and not options["dry_run"]:
            # Bulk-created cases skip the per-case similarity task; the periodic sweep finds them as stale and
            # flags them in bulk (matters.bulk).
            self.stdout.write(
                "similar cases: the next similarity sweep (every 5 minutes) links the new cases in bulk; "
                "or run `manage.py flag_similar --all` now"
            )

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}" if username else "no superuser: pass --user USERNAME")
        if not roles.is_staff_member(user):
            raise CommandError(f"{user.username} is not street-office staff")
        return user
