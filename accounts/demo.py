"""Demo logins; the password is the same for all and printed by `make run`."""

from django.contrib.auth.models import Group, User

from accounts import roles
from accounts.models import Profile
from places.models import Neighbourhood

DEMO_PASSWORD = "ruziniu-demo"

# username -> (last name, first name, roles, neighbourhood, title)
USERS = {
    "admin": ("系统", "管理员", [], None, "系统管理员"),
    "staff": ("王", "敏", [roles.STAFF], None, "街道工作人员"),
    "handbook": ("李", "文", [roles.METHOD_ADMIN], None, "工作法管理员"),
    "committee": ("陈", "静", [roles.COMMITTEE], "句容里居委会", "句容里居委会社工"),
    "haifang": ("周", "强", [roles.COMMITTEE], "海防村居民区", "海防村居民区社工"),
    "huifang": ("赵", "丽", [roles.VISITOR], None, "回访员"),
    "director": ("张", "伟", [roles.STAFF], None, "街道城运中心主任"),
}


def load() -> int:
    """Create the demo users that are missing; existing ones are left as they are."""
    created = 0
    for username, (last, first, role_names, hood_name, title) in USERS.items():
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, last_name=last, first_name=first, is_superuser=username == "admin")
        user.is_staff = user.is_superuser
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=role_names))
        hood = Neighbourhood.objects.get(name=hood_name) if hood_name else None
        Profile.objects.create(user=user, neighbourhood=hood, title=title)
        created += 1
    return created
