from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places.coordinates import coordinates_import, read


class Command(BaseCommand):
    help = "Set estates' and buildings' coordinates from a UTF-8 CSV (estate, building, latitude, longitude)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check the file, change nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        rows, problems = read(text)
        if problems:
            raise CommandError("nothing was changed:\n" + "\n".join(str(problem) for problem in problems))
        if dry_run:
            self.stdout.write(f"{len(rows)} rows are fine (dry run: nothing changed)")
            return
        self.stdout.write(f"{coordinates_import(rows)} places changed, {len(rows)} rows read")
