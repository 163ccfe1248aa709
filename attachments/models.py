import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attachments.content import DOCUMENT, IMAGE

LINK = "link"


class AttachmentKind(models.TextChoices):
    IMAGE = IMAGE, _("照片")
    DOCUMENT = DOCUMENT, _("文档")
    LINK = LINK, _("外部链接")


def _stored_name(instance, filename: str) -> str:
    # Never the uploaded name: a random name under the case, with the extension of the detected type.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}.{extension}"


def _thumbnail_name(instance, filename: str) -> str:
    return f"attachments/{instance.case_id}/thumbnails/{uuid.uuid4().hex}.jpg"


class AttachmentQuerySet(models.QuerySet):
    def images(self):
        return self.filter(kind=AttachmentKind.IMAGE)

    def stored(self):
        """Files kept here (not links to elsewhere)."""
        return self.exclude(kind=AttachmentKind.LINK)


class Attachment(models.Model):
    """A photo or document on a case (and on one of its timeline lines), or a link a system sent along."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="attachments", verbose_name=_("案件"))
    event = models.ForeignKey(
        "cases.CaseEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("办理记录"),
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AttachmentKind)
    file = models.FileField(_("文件"), upload_to=_stored_name, blank=True, max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to=_thumbnail_name, blank=True, max_length=200)
    link = models.URLField(_("链接"), max_length=1000, blank=True)
    name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    personal = models.BooleanField(
        _("含个人信息"), default=False, help_text=_("如身份证、签名的征询表：清除诉求人个人信息时一并删除")
    )
    public = models.BooleanField(_("公开"), default=False, help_text=_("公开的照片可通过 Open311 对外提供"))
    # The address of a public photo: unguessable, so that public photos cannot be listed by counting.
    public_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        indexes = [models.Index(fields=["case", "uploaded_at"], name="attachment_case_uploaded")]
        constraints = [
            # Only a photo without personal data can be public (Open311 is read by anyone).
            models.CheckConstraint(
                condition=Q(public=False) | Q(kind=IMAGE, personal=False), name="attachment_public_is_plain_photo"
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.name}"

    @property
    def is_image(self) -> bool:
        return self.kind == AttachmentKind.IMAGE

    @property
    def is_link(self) -> bool:
        return self.kind == AttachmentKind.LINK
