"""Remove residents' personal data from cases closed before a date (个人信息保护法: keep no longer than needed)."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from ops import privacy


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--closed-before must be a date such as 2024-01-31, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Remove the reporter's name and phone, phone and ID numbers in free text, and attached files marked as "
        "personal, from cases closed before DATE. The cases and their statistics stay; each gets one timeline note."
    )

    def add_arguments(self, parser):
        parser.add_argument("--closed-before", required=True, type=_day, metavar="YYYY-MM-DD")
        parser.add_argument("--actor", help="username recorded on the timeline notes (default: the first superuser)")
        parser.add_argument("--dry-run", action="store_true", help="only count the cases that would be changed")

    def handle(self, *args, closed_before: date, actor: str | None, dry_run: bool, **options):
        user = self._actor(actor)
        cases = list(privacy.closed_before(closed_before))
        pending = [case for case in cases if privacy.needs_anonymising(case)]
        if dry_run:
            for case in pending:
                self.stdout.write(f"would anonymise {case.reference}")
            self.stdout.write(f"{len(pending)} of {len(cases)} closed cases would be anonymised (dry run)")
            return
        done = sum(privacy.case_anonymise(case_id=case.pk, actor=user) for case in pending)
        self.stdout.write(self.style.SUCCESS(f"{done} of {len(cases)} closed cases anonymised"))

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(username=username).first() if username else users.filter(is_superuser=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}" if username else "no active superuser: pass --actor")
        if not roles.is_staff_member(user):
            raise CommandError(f"{user.username} is not street-office staff and cannot write on every case")
        return user
