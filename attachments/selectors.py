"""Reads of attachments, scoped as their case is: another neighbourhood's file does not exist (404)."""

from collections import defaultdict

from django.http import Http404

from accounts import roles
from attachments.models import Attachment, AttachmentKind
from cases.models import Case
from cases.selectors import can_see_reporter


def _may_see(user, attachment: Attachment, case: Case) -> bool:
    """A file marked personal on a confidential resident's case is for street-office staff only."""
    return not attachment.personal or can_see_reporter(user, case)


def case_attachments(user, case: Case) -> list[Attachment]:
    """The files and links of a case `user` may see (the case itself was fetched through its scoping)."""
    files = case.attachments.select_related("uploaded_by").order_by("uploaded_at", "id")
    return [attachment for attachment in files if _may_see(user, attachment, case)]


def attachment_for(user, pk: int) -> Attachment:
    """One attachment on a case `user` may see, or 404."""
    attachment = (
        Attachment.objects.filter(case__in=Case.objects.visible_to(user)).select_related("case").filter(pk=pk).first()
    )
    if attachment is None or not _may_see(user, attachment, attachment.case):
        raise Http404
    return attachment


def public_photo(key) -> Attachment:
    """A photo staff published (Open311 carries its address), found by its unguessable key, or 404."""
    photo = Attachment.objects.filter(public_key=key, public=True, kind=AttachmentKind.IMAGE).first()
    if photo is None:
        raise Http404
    return photo


def public_photos_of(case_ids) -> dict[int, Attachment]:
    """The first public photo of each case, by case id (one query)."""
    found = {}
    photos = Attachment.objects.filter(case_id__in=case_ids, public=True, kind=AttachmentKind.IMAGE)
    for photo in photos.order_by("uploaded_at", "id"):
        found.setdefault(photo.case_id, photo)
    return found


def by_event(attachments: list[Attachment]) -> dict[int, list[Attachment]]:
    grouped = defaultdict(list)
    for attachment in attachments:
        if attachment.event_id:
            grouped[attachment.event_id].append(attachment)
    return dict(grouped)


def can_delete(user, attachment: Attachment) -> bool:
    return roles.is_staff_member(user) or (
        roles.is_committee_member(user) and attachment.uploaded_by_id == getattr(user, "pk", None)
    )
