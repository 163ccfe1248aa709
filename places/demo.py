"""Demo registry of Jiangning Road sub-district: neighbourhoods, estates, buildings.

The first three neighbourhoods and the estates 福安大厦 and 晶华园 are named in the
source article; the rest are plausible inventions for demonstration.
"""

from places.models import Building, Estate, HousingType, Neighbourhood, PropertyStatus

C, S, L = HousingType.COMMODITY, HousingType.SOLD_PUBLIC, HousingType.OLD_LANE
M, N, B = PropertyStatus.MANAGED, PropertyStatus.NONE, PropertyStatus.BETWEEN

# neighbourhood -> [(estate, address, type, year built, property status, company,
#                    [(building, floors, elevators, year elevators installed)])]
REGISTRY = {
    "句容里居委会": [
        ("福安大厦", "江宁路海防路口", C, 2001, B, "", [("1号楼", 24, 2, 2001)]),
        ("晶华园", "江宁路1088弄", C, 1999, M, "上海晶华物业", [("1号楼", 18, 1, 1999), ("2号楼", 18, 1, 1999)]),
        ("句容里", "句容路32弄", L, 1930, N, "", [("32弄", 3, 0, None)]),
    ],
    "海防村居民区": [
        (
            "海防新村",
            "海防路421弄",
            S,
            1986,
            M,
            "静安房管物业",
            [("1号", 6, 0, None), ("2号", 6, 0, None)],
        ),
        ("海防大楼", "海防路455号", C, 2000, M, "恒丰物业", [("A座", 20, 2, 2000), ("B座", 20, 2, 2003)]),
        ("新丰里", "新丰路58弄", L, 1925, N, "", [("58弄", 2, 0, None)]),
    ],
    "蒋家巷居民区": [
        ("蒋家巷小区", "蒋家巷12弄", L, 1936, N, "", [("12弄", 2, 0, None)]),
        ("西康公寓", "西康路789号", C, 2002, N, "", [("主楼", 22, 2, 2002)]),
        ("蒋家巷公房", "蒋家巷40号", S, 1990, M, "静安房管物业", [("40号", 7, 0, None)]),
    ],
    "三和花园居民区": [
        ("三和花园", "长寿路111弄", C, 1998, M, "三和物业", [("1号楼", 25, 2, 1998), ("2号楼", 25, 2, 2016)]),
        ("昌平公寓", "昌平路300号", C, 2004, M, "昌平物业", [("1号楼", 16, 1, 2004)]),
    ],
    "武定坊居民区": [
        ("武定坊", "武定路930弄", C, 1997, B, "", [("1号楼", 12, 1, 1997), ("2号楼", 12, 1, 1997)]),
        ("武定新苑", "武定路1000号", S, 1995, M, "静安房管物业", [("甲楼", 8, 0, None)]),
    ],
    "淮安里居民区": [
        ("淮安里", "淮安路60弄", L, 1928, N, "", [("60弄", 3, 0, None)]),
        ("江宁大楼", "江宁路505号", C, 2003, M, "江宁物业", [("主楼", 28, 3, 2003)]),
    ],
}

# Approximate positions (WGS84) for the demo map and Open311's lat/long; an office imports its own with
# `manage.py import_coordinates`.
COORDINATES = {
    "福安大厦": (31.245810, 121.449620),
    "晶华园": (31.243120, 121.448350),
    "句容里": (31.244470, 121.451870),
    "海防新村": (31.241360, 121.445010),
    "海防大楼": (31.240920, 121.446980),
    "新丰里": (31.242600, 121.444200),
    "蒋家巷小区": (31.247900, 121.446100),
    "西康公寓": (31.238740, 121.447900),
    "蒋家巷公房": (31.248300, 121.447300),
    "三和花园": (31.246200, 121.442900),
    "昌平公寓": (31.239900, 121.443600),
    "武定坊": (31.236900, 121.450300),
    "武定新苑": (31.236100, 121.448800),
    "淮安里": (31.238200, 121.452600),
    "江宁大楼": (31.235400, 121.453800),
}


def load() -> int:
    """Create the demo registry if it is missing; returns the number of rows created."""
    created = 0
    for order, (hood_name, estates) in enumerate(REGISTRY.items()):
        hood, made = Neighbourhood.objects.get_or_create(name=hood_name, defaults={"sort_order": order})
        created += made
        for name, address, housing, year, status, company, buildings in estates:
            estate, made = Estate.objects.get_or_create(
                name=name,
                defaults={
                    "neighbourhood": hood,
                    "address": address,
                    "housing_type": housing,
                    "year_built": year,
                    "property_status": status,
                    "property_company": company,
                },
            )
            created += made
            for number, floors, elevators, elevator_year in buildings:
                _, made = Building.objects.get_or_create(
                    estate=estate,
                    number=number,
                    defaults={"floors": floors, "elevator_count": elevators, "elevators_installed_year": elevator_year},
                )
                created += made
    for name, (latitude, longitude) in COORDINATES.items():
        Estate.objects.filter(name=name, latitude=None).update(latitude=latitude, longitude=longitude)
    return created
