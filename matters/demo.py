"""Demo similarity and the elevator class of the source article (商品房老旧电梯更新), after the demo cases.

Idempotent: flagging skips cases whose text is unchanged, and the class is found by its title.
"""

from django.contrib.auth import get_user_model

from cases.models import Case, Category, Team
from matters import services, similarity
from matters.models import ClassStatus, MatterClass, Membership, RouteStep
from methods.models import Method
from places.models import Building, Estate, HousingType

TITLE = "商品房老旧电梯更新"
ROUTE = [
    ("业主表决", "业委会、居委会"),
    ("维修资金申请", "区房管局"),
    ("选定维保单位", "业委会、物业"),
    ("施工", "电梯公司"),
    ("验收", "区房管局、市场监管局"),
]


# Buildings of commodity estates whose elevators are as old as those that called, but that have not called yet:
# what screening the elevator class (举一反三) is for. (estate, building, floors, elevators, installed)
UNCALLED = [
    ("晶华园", "3号楼", 14, 1, 2001),
    ("昌平公寓", "2号楼", 12, 1, 2004),
    ("江宁大楼", "副楼", 11, 1, 2002),
    ("西康公寓", "副楼", 9, 1, 1999),
]


def _uncalled_buildings() -> int:
    created = 0
    for estate_name, number, floors, elevators, year in UNCALLED:
        estate = Estate.objects.filter(name=estate_name, housing_type=HousingType.COMMODITY).first()
        if estate is None:
            continue
        _, made = Building.objects.get_or_create(
            estate=estate,
            number=number,
            defaults={"floors": floors, "elevator_count": elevators, "elevators_installed_year": year},
        )
        created += made
    return created


def load() -> int:
    """Compute the missing similarity of demo cases and create the elevator class; returns rows created."""
    created = _uncalled_buildings()
    for case_id in similarity.stale_cases().order_by("pk").values_list("pk", flat=True):
        services.flag_case(case_id=case_id)
    elevator = Category.objects.filter(parent__name="房屋管理", name="电梯").first()
    if elevator is None:
        return created
    matter_class = MatterClass.objects.filter(title=TITLE).first()
    if matter_class is None:
        staff = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        matter_class = MatterClass.objects.create(
            title=TITLE,
            root_problem="商品房小区电梯运行二十年以上，设备老化、故障频发；物业更替或撤场后更新资金和责任主体不明。",
            status=ClassStatus.CONFIRMED,
            category=elevator,
            method=Method.objects.filter(name__contains="一线").first() or Method.objects.order_by("number").first(),
            team=Team.objects.filter(name="老旧电梯更新专班").first(),
            housing_type=HousingType.COMMODITY,
            min_elevator_age=20,
            target_count=25,
            target_unit="台",
            decided_by=staff,
        )
        created += 1
        for position, (name, responsible) in enumerate(ROUTE, 1):
            RouteStep.objects.create(matter_class=matter_class, position=position, name=name, responsible=responsible)
            created += 1
    steps = list(matter_class.steps.all())
    # Members: the elevator cases (and the proposed classes of them are folded into this one).
    for proposed in MatterClass.objects.filter(category=elevator, status=ClassStatus.PROPOSED):
        proposed.memberships.all().delete()
        proposed.delete()
    open_number = 0
    for case in Case.objects.filter(category=elevator).order_by("received_at"):
        if case.is_open:
            # Spread the open cases over the route, as they would stand in the middle of a campaign.
            step, completed = steps[open_number % max(len(steps) - 1, 1)] if steps else None, False
            open_number += 1
        else:
            step, completed = (steps[-1] if steps else None), True
        _, made = Membership.objects.get_or_create(
            matter_class=matter_class, case=case, defaults={"step": step, "completed": completed}
        )
        created += made
    return created
