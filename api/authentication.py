"""API tokens belong to service accounts only (api/tokens.py): a token of anyone else is no token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def is_service_account(user) -> bool:
    profile = getattr(user, "profile", None)
    return bool(profile and profile.is_service_account and not user.is_superuser and not user.has_usable_password())


class ServiceTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token whose user is not a service account (a token minted earlier for
    a person, or a person's account whose password was removed, acts for nobody)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not is_service_account(user):
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        return user, token
