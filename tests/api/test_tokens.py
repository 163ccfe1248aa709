"""Staff make service accounts and issue or revoke their tokens in the app."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import roles
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


def create_account(client, **fields):
    data = {"username": "hotline-jurongli", "system": "12345热线平台", "role": roles.COMMITTEE, **fields}
    return client.post(reverse("api:service_account_create"), data)


def test_staff_issue_a_token_that_works_until_it_is_revoked(staff_client, neighbourhood, case):
    assert create_account(staff_client, neighbourhood=neighbourhood.pk).status_code == 302
    account = User.objects.get(username="hotline-jurongli")
    assert not account.has_usable_password()
    assert roles.committee_neighbourhood_id(account) == neighbourhood.pk

    issued = staff_client.post(reverse("api:token_issue", args=[account.pk]))
    assert issued.status_code == 200
    key = Token.objects.get(user=account).key
    assert key in issued.content.decode()
    assert "no-store" in issued["Cache-Control"]
    api = token_client(key)
    assert api.get(reverse("api:case-detail", args=[case.pk])).status_code == 200

    listing = staff_client.get(reverse("api:service_accounts")).content.decode()
    assert "hotline-jurongli" in listing
    assert key not in listing  # the whole key is shown once only

    staff_client.post(reverse("api:token_revoke", args=[account.pk]))
    assert api.get(reverse("api:case-detail", args=[case.pk])).status_code == 401


def test_issuing_again_replaces_the_old_token(staff_client, db):
    create_account(staff_client, role=roles.STAFF)
    account = User.objects.get(username="hotline-jurongli")
    first = staff_client.post(reverse("api:token_issue", args=[account.pk]))
    old = re.search(r'<code class="token-key">(\w+)</code>', first.content.decode()).group(1)
    staff_client.post(reverse("api:token_issue", args=[account.pk]))
    assert Token.objects.get(user=account).key != old
    assert token_client(old).get(reverse("api:case-list")).status_code == 401


def test_a_committee_account_needs_a_neighbourhood(staff_client, db):
    response = create_account(staff_client)
    assert response.status_code == 400
    assert "居委会角色的服务账号必须指定居民区" in response.content.decode()
    assert not User.objects.filter(username="hotline-jurongli").exists()


def test_tokens_are_only_issued_to_service_accounts(staff_client, committee_user):
    response = staff_client.post(reverse("api:token_issue", args=[committee_user.pk]))
    assert response.status_code == 404
    assert not Token.objects.exists()


def test_a_committee_member_cannot_manage_tokens(committee_client, neighbourhood):
    assert committee_client.get(reverse("api:service_accounts")).status_code == 403
    assert create_account(committee_client, neighbourhood=neighbourhood.pk).status_code == 403


def test_token_pages_take_only_post_for_changes(staff_client, staff_account):
    assert staff_client.get(reverse("api:token_revoke", args=[staff_account[0].pk])).status_code == 405
    assert Token.objects.filter(user=staff_account[0]).exists()


def test_the_demo_service_accounts_are_made_once_and_listed(staff_client, db):
    from api import demo
    from places import demo as places_demo

    places_demo.load()
    assert demo.load() == 2
    assert demo.load() == 0
    listing = staff_client.get(reverse("api:service_accounts")).content.decode()
    assert "hotline-12345" in listing
    assert "grid-jurongli" in listing
    assert roles.committee_neighbourhood_id(User.objects.get(username="grid-jurongli")) is not None
