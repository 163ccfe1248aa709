from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class MethodQuerySet(models.QuerySet):
    def in_use(self):
        return self.filter(is_active=True)


class Method(models.Model):
    """One 孺子牛 work method of the sub-district's handbook."""

    number = models.PositiveSmallIntegerField(_("编号"), unique=True, help_text=_("在工作法汇编中的序号"))
    name = models.CharField(_("名称"), max_length=50, unique=True)
    motto = models.CharField(_("一句话"), max_length=200, blank=True)
    summary = models.TextField(_("是什么"), blank=True)
    when_to_use = models.TextField(_("适用情形"), blank=True)
    steps = models.TextField(_("步骤"), blank=True, help_text=_("每行一步，按顺序"))
    example = models.TextField(_("案例"), blank=True)
    categories = models.ManyToManyField(
        "cases.Category", blank=True, related_name="methods", verbose_name=_("适用类别")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    history = HistoricalRecords(excluded_fields=["categories"])
    objects = MethodQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("工作法")
        verbose_name_plural = _("工作法")

    def __str__(self):
        return self.name

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]
