import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")


def normalise_phone(value: str) -> str:
    """Strip spaces and a +86 prefix so that one resident's number is stored one way."""
    value = re.sub(r"[\s()（）]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_phone(value: str) -> None:
    number = normalise_phone(value)
    if number and not (MOBILE.match(number) or LANDLINE.match(number)):
        raise ValidationError(
            _("请填写有效的电话号码：11 位手机号（如 13812345678）或固话（如 021-62181234）。"), code="phone"
        )


def mask_phone(value: str) -> str:
    """138****5678 for a mobile; keep the area code and the last 4 digits of a landline."""
    number = normalise_phone(value)
    if not number:
        return ""
    if MOBILE.match(number):
        return f"{number[:3]}****{number[-4:]}"
    if len(number) <= 4:
        return "*" * len(number)
    return f"{number[:-4][:4]}{'*' * max(len(number) - 8, 2)}{number[-4:]}"
