from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts import roles


class WorksOnCases(BasePermission):
    """Street-office staff, a committee member confined to a neighbourhood (people and service accounts), or a
    回访员 (who sees only the cases waiting for a visit and those they visited)."""

    message = _("只有街道工作人员和居委会可以查看和办理案件。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return (
            roles.is_staff_member(user) or roles.committee_neighbourhood_id(user) is not None or roles.is_visitor(user)
        )
