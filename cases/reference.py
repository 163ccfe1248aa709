"""Standard vocabulary every installation starts with; admins edit it afterwards.

Loaded by `load_demo` and by `manage.py load_reference` on a production install.
"""

from cases.models import Category, Channel, Department, RequestType

CATEGORIES = {
    "房屋管理": [("电梯", False), ("房屋修缮", False), ("违章搭建", True), ("漏水渗水", False)],
    "旧区改造": [("征收签约", True), ("零星旧改", True), ("搬迁安置", True)],
    "物业管理": [("物业更替", True), ("物业服务", False), ("停车管理", False), ("维修资金", True)],
    "为老服务": [("独居老人", False), ("助餐助浴", False), ("适老化改造", False)],
    "市容环境": [("油烟噪音", False), ("垃圾分类", False), ("绿化养护", False), ("快递驿站", False)],
    "公共安全": [("消防隐患", False), ("电动车充电", False)],
    "民生服务": [("就业帮扶", False), ("社会救助", False), ("新就业群体", False)],
}
# A resident's circumstances: the public Open311 reads show such a case's neighbourhood only (see api/open311.py).
SENSITIVE = {"独居老人", "助餐助浴", "适老化改造", "社会救助", "就业帮扶"}
CHANNELS = [
    ("12345热线", "hotline_12345"),
    ("夏令热线·区长访谈", "summer_hotline"),
    ("来电", "phone"),
    ("来访", "visit"),
    ("走访发现", "patrol_visit"),
    ("居委会上报", "committee_report"),
    ("网格巡查", "grid_patrol"),
    ("外部系统", "external"),
]
REQUEST_TYPES = ["咨询", "求助", "投诉", "建议", "表扬"]
DEPARTMENTS = [
    "街道城运中心",
    "街道管理办",
    "街道自治办",
    "街道服务办",
    "区房管局",
    "区建管委",
    "区市场监管局",
    "消防救援站",
    "城管执法中队",
    "派出所",
    "区绿化市容局",
    "旧改基地",
]


def load() -> int:
    """Create the standard vocabulary that is missing; returns the number of rows created."""
    created = 0
    for order, (parent_name, children) in enumerate(CATEGORIES.items()):
        parent, made = Category.objects.get_or_create(parent=None, name=parent_name, defaults={"sort_order": order})
        created += made
        for child_order, (name, complex_) in enumerate(children):
            _, made = Category.objects.get_or_create(
                parent=parent,
                name=name,
                defaults={"sort_order": child_order, "is_complex": complex_, "is_sensitive": name in SENSITIVE},
            )
            created += made
    for order, (name, code) in enumerate(CHANNELS):
        created += Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})[1]
    for order, name in enumerate(REQUEST_TYPES):
        created += RequestType.objects.get_or_create(name=name, defaults={"sort_order": order})[1]
    for order, name in enumerate(DEPARTMENTS):
        created += Department.objects.get_or_create(name=name, defaults={"sort_order": order})[1]
    return created
