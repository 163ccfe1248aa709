import re
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.personal import LANDLINE, MOBILE, mask_phone, normalise_phone

__all__ = ["clean_text", "mask_phone", "normalise_phone", "validate_phone"]

# What XML 1.0 cannot hold (and no person means to type): C0 controls but tab, newline and carriage return, DEL,
# and the UTF-16 surrogates and non-characters. One such character in a title made every XLSX export fail.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Text as stored: without control characters (on the way in; exports strip them again on the way out)."""
    return _CONTROL.sub("", value) if value else value


def validate_phone(value: str) -> None:
    number = normalise_phone(value)
    if number and not (MOBILE.match(number) or LANDLINE.match(number)):
        raise ValidationError(
            _("请填写有效的电话号码：11 位手机号（如 13812345678）或固话（如 021-62181234）。"), code="phone"
        )


EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def validate_calendar_date(value) -> None:
    """A date a person means: far enough from date.min and date.max that a day or a time zone added to it fits."""
    day = value.date() if isinstance(value, datetime) else value
    if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(_("日期应在 1900 年到 2999 年之间。"), code="date_range")
