"""The sign-in lockout backend (django-axes) used by AUTHENTICATION_BACKENDS."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render


class LockoutBackend(AxesStandaloneBackend):
    """Refuse a sign-in while its username and address are locked out.

    Calls without a request (the shell, management commands, the test client's `login`) cannot come
    from a guessing visitor, so they are left to the next backend instead of raising as axes does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The Chinese lockout page (HTTP 429), named in AXES_LOCKOUT_CALLABLE."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "ops/lockout.html", context, status=429)
