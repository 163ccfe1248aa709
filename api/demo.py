"""Demo service accounts for the API and Open311 (no tokens: staff issue them on the 接口服务账号 page)."""

from django.contrib.auth.models import User

from accounts import roles
from api.tokens import service_account_register
from places.models import Neighbourhood

# username -> (system, role, neighbourhood)
ACCOUNTS = {
    "hotline-12345": ("12345市民服务热线", roles.STAFF, None),
    "grid-jurongli": ("句容里网格巡查系统", roles.COMMITTEE, "句容里居委会"),
}


def load() -> int:
    """Create the demo service accounts that are missing."""
    created = 0
    for username, (system, role, hood_name) in ACCOUNTS.items():
        if User.objects.filter(username=username).exists():
            continue
        hood = Neighbourhood.objects.filter(name=hood_name).first() if hood_name else None
        if role == roles.COMMITTEE and hood is None:
            continue
        service_account_register(username=username, system=system, role=role, neighbourhood=hood)
        created += 1
    return created
