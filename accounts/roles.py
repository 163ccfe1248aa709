"""The roles and the questions views ask about a user. What each role may do to a case: cases/permissions.py."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

STAFF = settings.ROLE_STAFF
COMMITTEE = settings.ROLE_COMMITTEE
METHOD_ADMIN = settings.ROLE_METHOD_ADMIN
VISITOR = settings.ROLE_VISITOR
ROLE_LABELS = {STAFF: _("街道工作人员"), COMMITTEE: _("居委会"), METHOD_ADMIN: _("工作法管理员"), VISITOR: _("回访员")}


def _groups(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_staff_member(user) -> bool:
    """Street-office staff (and superusers) see every case of the sub-district."""
    return user.is_authenticated and (user.is_superuser or STAFF in _groups(user))


def is_committee_member(user) -> bool:
    return COMMITTEE in _groups(user) and not is_staff_member(user)


def is_method_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or METHOD_ADMIN in _groups(user))


def is_visitor(user) -> bool:
    """A 回访员: makes return visits (alone, or on top of the staff role)."""
    return user.is_authenticated and VISITOR in _groups(user)


def committee_neighbourhood_id(user) -> int | None:
    """The neighbourhood a committee member is confined to; None for everyone else."""
    if not is_committee_member(user):
        return None
    profile = getattr(user, "profile", None)
    return profile.neighbourhood_id if profile else None


def role_labels(user) -> list[str]:
    if user.is_superuser:
        return [str(_("系统管理员"))]
    return [str(ROLE_LABELS[name]) for name in (STAFF, COMMITTEE, METHOD_ADMIN, VISITOR) if name in _groups(user)]
