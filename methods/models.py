from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The handbook 《做服务人民的孺子牛——孺子牛工作法汇编》 names this many methods.
HANDBOOK_SIZE = 15


class MethodQuerySet(models.QuerySet):
    def in_use(self):
        return self.filter(is_active=True)


class Method(models.Model):
    """One 孺子牛 work method of the sub-district's handbook."""

    number = models.PositiveSmallIntegerField(_("编号"), unique=True, help_text=_("在工作法汇编中的序号"))
    number_provisional = models.BooleanField(
        _("序号待核实"), default=False, help_text=_("勾选表示尚不知道该工作法在汇编中的序号，当前序号只是暂定")
    )
    name = models.CharField(_("名称"), max_length=50, unique=True)
    motto = models.CharField(_("一句话"), max_length=200, blank=True)
    summary = models.TextField(_("是什么"), blank=True)
    when_to_use = models.TextField(_("适用情形"), blank=True)
    steps = models.TextField(_("步骤"), blank=True, help_text=_("每行一步，按顺序"))
    example = models.TextField(_("案例"), blank=True)
    source = models.CharField(_("出处"), max_length=300, blank=True, help_text=_("本条内容依据的材料"))
    categories = models.ManyToManyField(
        "cases.Category", blank=True, related_name="methods", verbose_name=_("适用类别")
    )
    is_active = models.BooleanField(_("在用"), default=True)

    # Each version also keeps the categories it linked (services save them before the version is written).
    history = HistoricalRecords(m2m_fields=[categories])
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
