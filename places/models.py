from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Neighbourhood(models.Model):
    """A neighbourhood committee's area (居民区/居委会)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("居民区")
        verbose_name_plural = _("居民区")

    def __str__(self):
        return self.name


def latitude_field():
    return models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("WGS84，如 31.236521"),
    )


def longitude_field():
    return models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("WGS84，如 121.452730"),
    )


class HousingType(models.TextChoices):
    COMMODITY = "commodity", _("商品房")
    SOLD_PUBLIC = "sold_public", _("售后公房")
    OLD_LANE = "old_lane", _("老式里弄")
    OTHER = "other", _("其他")


class PropertyStatus(models.TextChoices):
    MANAGED = "managed", _("有物业")
    NONE = "none", _("无物业")
    BETWEEN = "between", _("物业交接空窗期")


class EstateQuerySet(models.QuerySet):
    def without_property_company(self):
        return self.exclude(property_status=PropertyStatus.MANAGED)


class Estate(models.Model):
    """A housing estate (小区) inside a neighbourhood."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="estates", verbose_name=_("居民区")
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    housing_type = models.CharField(_("房屋类型"), max_length=20, choices=HousingType, default=HousingType.OTHER)
    year_built = models.PositiveIntegerField(_("建成年份"), null=True, blank=True)
    property_status = models.CharField(
        _("物业状况"), max_length=20, choices=PropertyStatus, default=PropertyStatus.MANAGED
    )
    property_company = models.CharField(_("物业公司"), max_length=100, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()

    objects = EstateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("小区")
        verbose_name_plural = _("小区")

    def __str__(self):
        return self.name

    @property
    def location(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None while the registry has no coordinates for the estate."""
        if self.latitude is None or self.longitude is None:
            return None
        return float(self.latitude), float(self.longitude)


class Building(models.Model):
    """A building (楼栋) with the facts that make classes of matters findable."""

    estate = models.ForeignKey(Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区"))
    number = models.CharField(_("楼号"), max_length=50)
    floors = models.PositiveIntegerField(_("层数"), null=True, blank=True)
    elevator_count = models.PositiveIntegerField(_("电梯数"), default=0)
    elevators_installed_year = models.PositiveIntegerField(_("电梯安装年份"), null=True, blank=True)
    latitude = latitude_field()
    longitude = longitude_field()

    class Meta:
        ordering = ["estate__name", "number"]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [models.UniqueConstraint(fields=["estate", "number"], name="building_number_unique_in_estate")]

    def __str__(self):
        return f"{self.estate.name} {self.number}"

    @property
    def location(self) -> tuple[float, float] | None:
        """(latitude, longitude) of the building, else of its estate, else None."""
        for place in (self, self.estate):
            if place.latitude is not None and place.longitude is not None:
                return float(place.latitude), float(place.longitude)
        return None

    @property
    def elevator_age(self) -> int | None:
        return self.age_of(self.elevator_count, self.elevators_installed_year)

    @staticmethod
    def age_of(elevator_count: int | None, installed_year: int | None) -> int | None:
        """The elevators' age in years, None without elevators or an installation year."""
        if not elevator_count or not installed_year:
            return None
        return timezone.localdate().year - installed_year
