"""Residents' personal data (个人信息保护法): finding it in free text and removing it from old cases."""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from cases import hooks
from cases.models import Case, CaseEvent, ExtensionRequest, PersonalDataAccess, Status
from cases.personal import PERSONAL_FIELDS, REMOVED, contains_numbers, mask_phone, scrub_numbers
from cases.services import case_transition

NOTE = "已按个人信息保护规定清除诉求人个人信息（姓名、电话、证件号），案件及统计数据保留。"


def _scrub_changes(changes: list) -> list:
    scrubbed = []
    for change in changes or []:
        change = dict(change)
        for side in ("old", "new"):
            value = change.get(side)
            if change.get("field") in PERSONAL_FIELDS and value:
                change[side] = REMOVED
            elif isinstance(value, str):
                change[side] = scrub_numbers(value)
        scrubbed.append(change)
    return scrubbed


def closed_before(day: date):
    """Closed (visited and satisfied) cases whose closing time is before `day` (local midnight)."""
    cutoff = timezone.make_aware(datetime.combine(day, time.min))
    return Case.objects.filter(status=Status.CLOSED, closed_at__lt=cutoff).order_by("pk")


def needs_anonymising(case: Case) -> bool:
    texts = [case.title, case.description, case.resolution, case.address]
    texts += list(case.events.values_list("note", flat=True))
    texts += list(case.extensions.values_list("reason", flat=True))
    if case.reporter_name or case.reporter_phone or any(contains_numbers(text) for text in texts):
        return True
    if hooks.holds_personal_data(case):  # e.g. attachments marked as personal (an ID card, a signed form)
        return True
    return any(_scrub_changes(changes) != changes for changes in case.events.values_list("changes", flat=True))


@transaction.atomic
def case_anonymise(*, case_id: int, actor) -> bool:
    """Remove the reporter's name and phone and any phone or ID number in the case's texts and timeline.

    Keeps the case, its category, place, dates and outcome (the statistics), and writes one timeline note.
    Returns False, changing nothing, when the case holds no personal data any more (safe to run twice)."""
    case = Case.objects.select_for_update(no_key=True).get(pk=case_id)
    if not needs_anonymising(case):
        return False
    Case.objects.filter(pk=case.pk).update(
        reporter_name="",
        reporter_phone="",
        title=scrub_numbers(case.title),
        description=scrub_numbers(case.description),
        resolution=scrub_numbers(case.resolution),
        address=scrub_numbers(case.address),
    )
    # The timeline is immutable for the people who use it (CaseEvent.save refuses a second save); the
    # law's right to erasure overrides that, so the old lines are rewritten here with a queryset update.
    for event_id, note, changes in case.events.values_list("pk", "note", "changes"):
        new_note, new_changes = scrub_numbers(note), _scrub_changes(changes)
        if new_note != note or new_changes != changes:
            CaseEvent.objects.filter(pk=event_id).update(note=new_note, changes=new_changes)
    for extension_id, reason in case.extensions.values_list("pk", "reason"):
        if contains_numbers(reason):
            ExtensionRequest.objects.filter(pk=extension_id).update(reason=scrub_numbers(reason))
    removed = hooks.erase_personal_data(case=case, actor=actor)
    note = " ".join([NOTE, *removed])
    case_transition(case_id=case.pk, actor=actor, action="note", note=note)
    return True


EXPORT_PERMISSION = "cases.export_personal_data"
EXPORT_FIELD = "reporter_phone:export"


def phone_for_export(user, phone: str) -> str:
    """The resident's phone as an export shows it: masked unless the permission matrix lets the user export
    personal data (a desk role and the export permission, cases/permissions.py)."""
    return phone if can_export_personal_data(user) else mask_phone(phone)


def can_export_personal_data(user) -> bool:
    from cases.permissions import allowed

    return allowed(user, "export_personal_data")


def record_export_reveals(user, case_ids: list[int]) -> None:
    """An export with full phone numbers is a reveal of each of them: recorded like the 显示号码 button."""
    PersonalDataAccess.objects.bulk_create(
        [PersonalDataAccess(user=user, case_id=pk, field=EXPORT_FIELD) for pk in case_ids], batch_size=2000
    )
