import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from tests.conftest import PASSWORD


def test_the_three_roles_exist_after_migrations(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.STAFF, roles.COMMITTEE, roles.METHOD_ADMIN} <= names


@pytest.mark.parametrize("url_name", ["home", "password_change"])
def test_anonymous_visitor_is_sent_to_sign_in(client, db, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_sign_in_page_speaks_chinese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.text
    assert "登录" in response.text


def test_english_can_be_chosen(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert '<html lang="en">' in response.text
    assert "Sign in" in response.text


def test_wrong_password_shows_an_error(client, staff_user):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text


def test_staff_signs_in_and_sees_home_with_role(client, staff_user, neighbourhood, other_neighbourhood):
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "街道工作人员" in response.text
    assert "句容里居委会" in response.text and "海防村居民区" in response.text


def test_committee_member_sees_only_their_neighbourhood_on_home(committee_client, other_neighbourhood):
    response = committee_client.get(reverse("home"))
    assert "句容里居委会" in response.text
    assert "海防村居民区" not in response.text


def test_only_superusers_reach_the_django_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_role_helpers_follow_groups(staff_user, committee_user, method_admin, superuser):
    assert roles.is_staff_member(staff_user) and not roles.is_committee_member(staff_user)
    assert roles.is_committee_member(committee_user) and not roles.is_staff_member(committee_user)
    assert roles.committee_neighbourhood_id(committee_user) == committee_user.profile.neighbourhood_id
    assert roles.committee_neighbourhood_id(staff_user) is None
    assert roles.is_method_admin(method_admin) and not roles.is_method_admin(staff_user)
    assert roles.is_staff_member(superuser) and roles.is_method_admin(superuser)


def test_chinese_names_read_family_name_first(db):
    from django.contrib.auth.models import User

    from accounts.names import display_name

    assert display_name(User(username="w", last_name="王", first_name="敏")) == "王敏"
    assert display_name(User(username="m", last_name="Wang", first_name="Min")) == "Min Wang"
    assert display_name(User(username="nobody")) == "nobody"
