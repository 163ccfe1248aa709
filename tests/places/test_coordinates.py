"""Estates and buildings carry optional coordinates, edited in the admin and imported from a file."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from places import demo

pytestmark = pytest.mark.django_db


def test_coordinates_import_sets_estates_and_buildings(tmp_path, estate, building):
    source = tmp_path / "coordinates.csv"
    source.write_text(
        "estate,building,latitude,longitude\n福安大厦,,31.2458,121.4496\n福安大厦,1号楼,31.24585,121.44971\n",
        encoding="utf-8-sig",
    )
    call_command("import_coordinates", str(source))
    estate.refresh_from_db()
    building.refresh_from_db()
    assert (estate.latitude, estate.longitude) == (Decimal("31.245800"), Decimal("121.449600"))
    assert building.location == (31.24585, 121.44971)


def test_a_bad_row_changes_nothing_and_every_problem_is_named(tmp_path, estate, building):
    source = tmp_path / "coordinates.csv"
    source.write_text(
        "estate,building,latitude,longitude\n福安大厦,,31.2458,121.4496\n不存在,,1,1\n福安大厦,9号楼,1,1\n"
        "福安大厦,1号楼,95,north\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_coordinates", str(source))
    message = str(refused.value)
    for expected in ("第 3 行 estate", "第 4 行 building", "第 5 行 latitude", "第 5 行 longitude"):
        assert expected in message
    estate.refresh_from_db()
    assert estate.latitude is None


def test_a_building_without_coordinates_is_placed_at_its_estate(estate, building):
    assert building.location is None
    estate.latitude, estate.longitude = Decimal("31.1"), Decimal("121.2")
    estate.save()
    assert building.location == (31.1, 121.2)


def test_the_admin_edits_coordinates(client, superuser, estate):
    client.force_login(superuser)
    page = client.get(reverse("admin:places_estate_change", args=[estate.pk])).content.decode()
    assert 'name="latitude"' in page and 'name="longitude"' in page


def test_the_demo_registry_has_coordinates(db):
    demo.load()
    from places.models import Estate

    assert not Estate.objects.filter(latitude=None).exists()
