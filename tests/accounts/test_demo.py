from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from places.models import Building, Estate, Neighbourhood


def _counts():
    return (Neighbourhood.objects.count(), Estate.objects.count(), Building.objects.count())


def test_load_demo_creates_the_source_places_and_logins(db):
    call_command("load_demo", stdout=StringIO())
    names = set(Neighbourhood.objects.values_list("name", flat=True))
    assert {"句容里居委会", "海防村居民区", "蒋家巷居民区"} <= names
    assert len(names) > 3
    fuan = Estate.objects.get(name="福安大厦")
    assert fuan.neighbourhood.name == "句容里居委会"
    committee = authenticate(username="committee", password="ruziniu-demo")
    assert committee.profile.neighbourhood.name == "句容里居委会"
    for username in ("admin", "staff"):
        assert authenticate(username=username, password="ruziniu-demo") is not None


def test_load_demo_twice_changes_nothing(db):
    call_command("load_demo", stdout=StringIO())
    before = _counts()
    call_command("load_demo", stdout=StringIO())
    assert _counts() == before
