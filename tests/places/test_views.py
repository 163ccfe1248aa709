import pytest
from django.urls import reverse

from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def test_estate_page_shows_its_facts_buildings_and_cases(staff_client, case, estate, building, noise_category):
    elsewhere = make_case(case.created_by, neighbourhood=case.neighbourhood, category=noise_category, title="别处的事")
    response = staff_client.get(reverse("places:estate", args=[estate.pk]))
    assert response.status_code == 200
    text = response.text
    assert "福安大厦" in text and "商品房" in text and "物业交接空窗期" in text
    assert reverse("places:building", args=[building.pk]) in text
    assert case.reference in text and elsewhere.reference not in text
    assert "共 1 件" in text


def test_building_page_shows_elevator_age_and_its_cases(staff_client, case, building):
    response = staff_client.get(reverse("places:building", args=[building.pk]))
    assert response.status_code == 200
    assert case.reference in response.text
    assert "2001" in response.text and "已使用" in response.text


def test_committee_sees_only_their_cases_on_a_place_page(committee_client, case, estate):
    response = committee_client.get(reverse("places:estate", args=[estate.pk]))
    assert case.reference in response.text


def test_unknown_places_are_404(staff_client, db):
    assert staff_client.get(reverse("places:estate", args=[999])).status_code == 404
    assert staff_client.get(reverse("places:building", args=[999])).status_code == 404
