"""Every write of attachments: add a file (checked, cleaned, stored), keep a link, publish, delete, erase."""

import os
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.names import display_name
from attachments import content
from attachments.models import Attachment, AttachmentKind
from cases.models import Case, CaseEvent, EventKind

ADDED = "attachment_added"
DELETED = "attachment_deleted"


class AttachmentError(Exception):
    """A refused attachment write, with a message for the person and the HTTP status it maps to."""

    def __init__(self, message: str, *, field: str = "file", status: int = 400):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def max_file_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


def max_case_bytes() -> int:
    return settings.ATTACHMENT_CASE_MAX_MB * 1024 * 1024


def too_large_message() -> str:
    return _("文件超过大小上限：每个文件不能超过 %(mb)s MB。") % {"mb": settings.ATTACHMENT_MAX_MB}


def clean_name(raw: str, extension: str) -> str:
    """The uploaded name for display only: no folders, no control characters, the detected extension."""
    name = os.path.basename((raw or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{(stem or _('附件'))[:200]}.{extension}"


def _case_for_write(case_id: int, actor) -> Case:
    if not (roles.is_staff_member(actor) or roles.is_committee_member(actor)):
        raise AttachmentError(_("只有街道工作人员和居委会可以上传和删除附件。"), field="detail", status=403)
    case = Case.objects.visible_to(actor).select_for_update(no_key=True).filter(pk=case_id).first()
    if case is None:
        raise AttachmentError(_("案件不存在，或您无权处理该案件。"), field="detail", status=404)
    return case


def _event(case: Case, *, actor, action: str, note: str) -> CaseEvent:
    # A line of the timeline like any note (kind 备注): who, when, which file. Never edited afterwards.
    return CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, action=action, actor=actor, note=note, case_version=case.version
    )


def _delete_files_on_commit(names: list[str]) -> None:
    """Remove stored files once the rows that named them are gone for good (a rollback keeps both)."""
    from django.core.files.storage import default_storage

    def delete():
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def attachment_add(
    *, case_id: int, actor, upload, event_id: int | None = None, personal: bool = False, public: bool = False
) -> Attachment:
    """Check a file by its content, clean a photo of its metadata, store it, and put it on the timeline."""
    case = _case_for_write(case_id, actor)
    if upload.size > max_file_bytes():
        raise AttachmentError(too_large_message(), status=413)
    data = upload.read(max_file_bytes() + 1)
    if len(data) > max_file_bytes():
        raise AttachmentError(too_large_message(), status=413)
    try:
        kind = content.detect(data)
        thumbnail = b""
        if kind.kind == content.IMAGE:
            cleaned = content.clean_image(data, kind)
            data, kind, thumbnail = cleaned.data, cleaned.kind, cleaned.thumbnail
    except content.Refused as refused:
        raise AttachmentError(f"{upload.name}：{refused.message}" if upload.name else refused.message) from None
    if public and (kind.kind != content.IMAGE or personal):
        raise AttachmentError(_("只有不含个人信息的照片可以公开。"), field="public")
    if public and not roles.is_staff_member(actor):
        raise AttachmentError(_("只有街道工作人员可以公开照片。"), field="public", status=403)
    used = Attachment.objects.filter(case=case).aggregate(total=Sum("size"))["total"] or 0
    if used + len(data) > max_case_bytes():
        message = _("本案件附件总量不能超过 %(mb)s MB（已用 %(used)s MB）。") % {
            "mb": settings.ATTACHMENT_CASE_MAX_MB,
            "used": round(used / 1024 / 1024, 1),
        }
        raise AttachmentError(message, status=413)
    name = clean_name(upload.name, kind.extension)
    event = None
    if event_id is not None:
        event = case.events.filter(pk=event_id).first()
        if event is None:
            raise AttachmentError(_("该办理记录不属于本案件。"), field="event")
    attachment = Attachment(
        case=case,
        event=event,
        kind=kind.kind,
        name=name,
        size=len(data),
        content_type=kind.content_type,
        personal=personal,
        public=public,
        uploaded_by=actor,
    )
    attachment.file.save(f"file.{kind.extension}", ContentFile(data), save=False)
    try:
        if thumbnail:
            attachment.thumbnail.save("thumb.jpg", ContentFile(thumbnail), save=False)
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        if attachment.thumbnail:
            attachment.thumbnail.storage.delete(attachment.thumbnail.name)
        raise
    if event is None:  # a line of its own: who added which file, when
        note = _("添加附件：%(file)s") % {"file": timeline_name(attachment)}
        attachment.event = _event(case, actor=actor, action=ADDED, note=note)
        attachment.save(update_fields=["event"])
    return attachment


def timeline_name(attachment: Attachment) -> str:
    """How the timeline names a file: by its name, or by number when it holds personal data (the name itself may
    be personal: 杨女士身份证.jpg), so that erasing the file leaves nothing of it on the timeline."""
    if attachment.personal:
        return _("含个人信息的附件 #%(id)s") % {"id": attachment.pk}
    return attachment.name


def checked_link(url: str) -> str:
    """A media_url as it will be kept: an http(s) address of at most 1,000 characters, or AttachmentError."""
    url = (url or "").strip()
    if len(url) > 1000:
        raise AttachmentError(_("media_url 不能超过 1000 个字符。"), field="media_url")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise AttachmentError(_("media_url 必须是 http:// 或 https:// 开头的网址。"), field="media_url") from None
    return url


@transaction.atomic
def attachment_link(*, case_id: int, actor, url: str, name: str = "") -> Attachment:
    """Keep a link to a photo held elsewhere (an Open311 or imported media_url). It is never fetched."""
    case = _case_for_write(case_id, actor)
    url = checked_link(url)
    return Attachment.objects.create(
        case=case, kind=AttachmentKind.LINK, link=url, name=name or _("外部照片链接"), uploaded_by=actor
    )


def links_keep(*, links: list[tuple[int, str]], actor) -> None:
    """Keep imported media_urls as links on their cases (checked by the import); a link already kept is skipped."""
    kept = set(
        Attachment.objects.filter(
            case_id__in={case_id for case_id, _url in links}, kind=AttachmentKind.LINK
        ).values_list("case_id", "link")
    )
    new = [(case_id, url) for case_id, url in dict.fromkeys(links) if (case_id, url) not in kept]
    Attachment.objects.bulk_create(
        Attachment(case_id=case_id, kind=AttachmentKind.LINK, link=url, name=_("外部照片链接"), uploaded_by=actor)
        for case_id, url in new
    )


@transaction.atomic
def attachment_publish(*, attachment_id: int, actor, public: bool) -> Attachment:
    """Mark a photo as public (Open311 carries its address) or take it back. Street-office staff only."""
    if not roles.is_staff_member(actor):
        raise AttachmentError(_("只有街道工作人员可以公开照片。"), field="public", status=403)
    attachment = Attachment.objects.select_for_update(no_key=True).get(pk=attachment_id)
    if public and (not attachment.is_image or attachment.personal):
        raise AttachmentError(_("只有不含个人信息的照片可以公开。"), field="public")
    attachment.public = public
    attachment.save(update_fields=["public"])
    return attachment


@transaction.atomic
def attachment_delete(*, attachment_id: int, actor) -> CaseEvent:
    """Delete a file and say so on the timeline (who, when, which file): never silently."""
    attachment = Attachment.objects.select_related("uploaded_by").get(pk=attachment_id)
    case = _case_for_write(attachment.case_id, actor)
    if not (roles.is_staff_member(actor) or attachment.uploaded_by_id == actor.pk):
        raise AttachmentError(_("只有上传人或街道工作人员可以删除附件。"), field="detail", status=403)
    uploaded = timezone.localtime(attachment.uploaded_at).strftime("%Y-%m-%d %H:%M")
    note = _("删除附件：%(name)s（%(who)s 于 %(when)s 上传）") % {
        "name": timeline_name(attachment),
        "who": display_name(attachment.uploaded_by) if attachment.uploaded_by else "—",
        "when": uploaded,
    }
    event = _event(case, actor=actor, action=DELETED, note=note)
    _delete_files_on_commit([attachment.file.name, attachment.thumbnail.name])
    attachment.delete()
    return event


# --- residents' personal data (registered with cases.hooks in AttachmentsConfig.ready) ---------------


def case_holds_personal_files(case) -> bool:
    return Attachment.objects.filter(case=case, personal=True).exists()


def personal_files_erase(*, case, actor) -> str:
    """Delete the case's files marked as personal (the timeline never named them, see timeline_name)."""
    files = list(Attachment.objects.filter(case=case, personal=True))
    if not files:
        return ""
    _delete_files_on_commit([name for a in files for name in (a.file.name, a.thumbnail.name)])
    Attachment.objects.filter(pk__in=[a.pk for a in files]).delete()
    return _("删除含个人信息的附件 %(count)s 个。") % {"count": len(files)}
