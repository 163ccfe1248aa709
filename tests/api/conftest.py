"""Fixtures of the API tests: service accounts with tokens, and clients that send them."""

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from api.tokens import service_account_register


def make_service_account(username: str, role: str, neighbourhood=None) -> tuple[User, str]:
    """A service account made by the same service as the token page, with a token."""
    user = service_account_register(username=username, system="12345热线平台", role=role, neighbourhood=neighbourhood)
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
