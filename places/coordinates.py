"""Coordinates of the registry from a file: estate (and building) → latitude, longitude, all or nothing."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from places.models import Building, Estate

COLUMNS = ["estate", "building", "latitude", "longitude"]


@dataclass
class Problem:
    line: int
    column: str
    message: str

    def __str__(self):
        return f"第 {self.line} 行 {self.column}: {self.message}"


def _number(raw: str, limit: int) -> Decimal | None:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > limit:
        return None
    return value.quantize(Decimal("0.000001"))


def read(text: str) -> tuple[list[tuple[object, Decimal, Decimal]], list[Problem]]:
    """(place, latitude, longitude) for every row, and every bad row's problem; a blank building means the estate."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [name for name in ("estate", "latitude", "longitude") if name not in (reader.fieldnames or [])]
    if missing:
        return [], [Problem(1, name, "缺少这一列") for name in missing]
    rows, problems = [], []
    for line, row in enumerate(reader, start=2):
        estate = Estate.objects.filter(name=(row.get("estate") or "").strip()).first()
        if estate is None:
            problems.append(Problem(line, "estate", f"没有小区“{row.get('estate')}”"))
            continue
        place = estate
        number = (row.get("building") or "").strip()
        if number:
            place = Building.objects.filter(estate=estate, number=number).first()
            if place is None:
                problems.append(Problem(line, "building", f"{estate.name}没有楼栋“{number}”"))
                continue
        latitude, longitude = _number(row.get("latitude") or "", 90), _number(row.get("longitude") or "", 180)
        if latitude is None:
            problems.append(Problem(line, "latitude", "纬度应是 -90 到 90 之间的十进制度数"))
        if longitude is None:
            problems.append(Problem(line, "longitude", "经度应是 -180 到 180 之间的十进制度数"))
        if latitude is not None and longitude is not None:
            rows.append((place, latitude, longitude))
    return rows, problems


@transaction.atomic
def coordinates_import(rows: list[tuple[object, Decimal, Decimal]]) -> int:
    """Set each place's coordinates; returns how many places changed."""
    changed = 0
    for place, latitude, longitude in rows:
        if (place.latitude, place.longitude) != (latitude, longitude):
            place.latitude, place.longitude = latitude, longitude
            place.save(update_fields=["latitude", "longitude"])
            changed += 1
    return changed
