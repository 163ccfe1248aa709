"""Fixtures of the API tests: service accounts with tokens, and clients that send them."""

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import Profile


def make_service_account(username: str, role: str, neighbourhood=None) -> tuple[User, str]:
    """A user that cannot sign in, with a role and a token, as the token page makes them."""
    user = User(username=username, last_name="12345热线平台")
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=user, neighbourhood=neighbourhood)
    return user, Token.objects.create(user=user).key


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def staff_account(db):
    return make_service_account("hotline-street", roles.STAFF)


@pytest.fixture
def committee_account(neighbourhood):
    return make_service_account("hotline-jurongli", roles.COMMITTEE, neighbourhood)


@pytest.fixture
def other_committee_account(other_neighbourhood):
    return make_service_account("hotline-haifang", roles.COMMITTEE, other_neighbourhood)


@pytest.fixture
def staff_api(staff_account):
    return token_client(staff_account[1])


@pytest.fixture
def committee_api(committee_account):
    return token_client(committee_account[1])


@pytest.fixture
def other_committee_api(other_committee_account):
    return token_client(other_committee_account[1])
