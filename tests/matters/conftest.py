import pytest

from places.models import Building, Estate, HousingType, PropertyStatus
from tests.conftest import make_case


@pytest.fixture
def other_building(other_estate):
    return Building.objects.create(
        estate=other_estate, number="A座", floors=20, elevator_count=2, elevators_installed_year=2000
    )


@pytest.fixture
def scene(
    staff_user,
    neighbourhood,
    other_neighbourhood,
    estate,
    building,
    other_estate,
    other_building,
    elevator_category,
    noise_category,
):
    """An elevator-ageing case at another estate, an open case about the same building, a noise complaint in
    the same estate — and then the new elevator case."""
    ageing = make_case(
        staff_user,
        neighbourhood=other_neighbourhood,
        category=elevator_category,
        estate=other_estate,
        building=other_building,
        title="海防大楼电梯老化频繁故障",
        description="海防大楼A座两部电梯使用超过二十年，设备老化，经常故障停运，业主希望更换电梯。",
    )
    same_building = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        estate=estate,
        building=building,
        title="福安大厦1号楼电梯经常困人",
        description="福安大厦1号楼电梯上周又困人，电梯故障无人维修，居民出行困难。",
    )
    noise = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=noise_category,
        estate=estate,
        title="福安大厦楼下饭店油烟噪音扰民",
        description="福安大厦底层饭店深夜营业，油烟直排，空调外机噪音很大，影响休息。",
    )
    new = make_case(
        staff_user,
        neighbourhood=neighbourhood,
        category=elevator_category,
        estate=estate,
        building=building,
        title="福安大厦电梯老化需要更换",
        description="福安大厦1号楼电梯运行二十多年，老化严重，故障频发，物业撤场后更换电梯无人负责。",
    )
    return {"ageing": ageing, "same_building": same_building, "noise": noise, "new": new}


@pytest.fixture
def old_commodity_estates(neighbourhood, other_neighbourhood):
    """Three commodity estates: two buildings with elevators over 20 years old, one newer; plus a lane house."""
    old = Estate.objects.create(
        neighbourhood=neighbourhood,
        name="晶华园",
        housing_type=HousingType.COMMODITY,
        year_built=1999,
        property_status=PropertyStatus.MANAGED,
    )
    newer = Estate.objects.create(
        neighbourhood=other_neighbourhood,
        name="三和花园",
        housing_type=HousingType.COMMODITY,
        year_built=1998,
    )
    lane = Estate.objects.create(
        neighbourhood=neighbourhood,
        name="句容里",
        housing_type=HousingType.OLD_LANE,
        year_built=1930,
        property_status=PropertyStatus.NONE,
    )
    return {
        "old1": Building.objects.create(estate=old, number="1号楼", elevator_count=1, elevators_installed_year=1999),
        "old2": Building.objects.create(estate=old, number="2号楼", elevator_count=1, elevators_installed_year=2000),
        "new": Building.objects.create(estate=newer, number="2号楼", elevator_count=2, elevators_installed_year=2016),
        "none": Building.objects.create(estate=newer, number="3号楼", elevator_count=0),
        "lane": Building.objects.create(estate=lane, number="32弄", elevator_count=0),
    }
