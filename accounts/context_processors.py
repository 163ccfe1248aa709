from django.conf import settings

from accounts import roles


def site(request):
    user = request.user
    return {
        "subdistrict_name": settings.SUBDISTRICT_NAME,
        "user_roles": roles.role_labels(user) if user.is_authenticated else [],
        "is_staff_member": roles.is_staff_member(user),
        "is_method_admin": roles.is_method_admin(user),
        "can_visit": roles.is_staff_member(user) or roles.is_committee_member(user) or roles.is_visitor(user),
    }
