from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What the sub-district knows about a user beyond Django's auth: their neighbourhood."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    neighbourhood = models.ForeignKey(
        "places.Neighbourhood",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("居民区"),
        help_text=_("居委会成员必填：只能看到本居民区的案件。"),
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    # Made on the 接口服务账号 page for another system: the only kind of user an API token may be issued to or
    # used by. A person (a superuser made on the command line included) never becomes one.
    is_service_account = models.BooleanField(_("接口服务账号"), default=False, editable=False)

    class Meta:
        verbose_name = _("用户资料")
        verbose_name_plural = _("用户资料")

    def __str__(self):
        return str(self.user)
