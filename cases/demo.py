"""Demo cases of Jiangning Road over the last two years, in every state, logged and moved through cases.services.

The elevator case of 福安大厦 (2024 夏令热线·区长访谈, 杨女士) is from the source article; every other case is a
plausible invention in the demo registry's estates. Each case has an `external_id` "demo-0001"…, so a second
run skips what exists. A case meant to end resolved or closed needs a work method: without any Method the case
stays in progress, and a later run (once methods are loaded) finishes its story.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import Case, Category, Channel, Department, RequestType, Status, Team
from cases.services import case_create, case_transition, extension_decide, extension_request
from places.models import Building, Estate, HousingType

SEED = 20240710
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈"
TITLES = ["先生", "女士", "阿姨", "老伯", "师傅"]
TEAMS = {
    "老旧电梯更新专班": "商品房老旧电梯更新：业主表决、维修资金、维保单位、施工、验收一个环节一个环节打通。",
    "零星旧改专班": "海防路、新丰路、西康路零星旧改地块摸底、约谈和签约。",
    "物业交接专班": "物业撤场与新物业进场之间的“空窗期”托底和交接。",
}
# category leaf -> (lead department, assisting departments, team)
ROUTING = {
    "电梯": ("区房管局", ["街道管理办"], "老旧电梯更新专班"),
    "物业更替": ("街道管理办", ["区房管局"], "物业交接专班"),
    "维修资金": ("区房管局", ["街道管理办"], None),
    "物业服务": ("街道管理办", [], None),
    "停车管理": ("街道管理办", ["派出所"], None),
    "征收签约": ("旧改基地", ["街道自治办"], "零星旧改专班"),
    "零星旧改": ("旧改基地", [], "零星旧改专班"),
    "搬迁安置": ("旧改基地", ["街道服务办"], "零星旧改专班"),
    "独居老人": ("街道服务办", [], None),
    "助餐助浴": ("街道服务办", [], None),
    "适老化改造": ("街道服务办", ["区建管委"], None),
    "油烟噪音": ("城管执法中队", ["区市场监管局"], None),
    "快递驿站": ("城管执法中队", ["区市场监管局"], None),
    "垃圾分类": ("区绿化市容局", [], None),
    "绿化养护": ("区绿化市容局", [], None),
    "消防隐患": ("消防救援站", ["街道城运中心"], None),
    "电动车充电": ("消防救援站", ["街道管理办"], None),
    "房屋修缮": ("区房管局", [], None),
    "漏水渗水": ("区房管局", [], None),
    "违章搭建": ("城管执法中队", ["区房管局"], None),
    "就业帮扶": ("街道服务办", [], None),
    "社会救助": ("街道服务办", [], None),
    "新就业群体": ("街道自治办", [], None),
}


@dataclass
class Step:
    action: str
    hours: float  # after the case was received
    note: str = ""
    resolution: str = ""
    visit_result: str = ""


@dataclass
class Spec:
    title: str
    description: str
    category: tuple[str, str]
    estate: str | None
    building: str | None
    channel: str
    request_type: str
    received_at: datetime
    reporter: str
    phone: str
    steps: list[Step] = field(default_factory=list)
    urgency: str = "normal"
    extension: tuple[int, str, bool | None] | None = None  # (days, reason, approve?) asked today
    by_committee: bool = False


# --- the story of one case -------------------------------------------------------------------------


def _story(rng: random.Random, target: str, resolution: str, *, slow: bool = False, rework: bool = False) -> list[Step]:
    """Moves that bring a case to `target`, each some plausible hours after the previous one."""
    if target == "new":
        return []
    hours = rng.uniform(0.5, 5)
    steps = [Step("dispatch", hours)]
    if target == "returned":
        return [*steps, Step("return", hours + rng.uniform(2, 20), note="不属于本单位职责，请重新派单。")]
    if target == "dispatched":
        return steps
    hours += rng.uniform(1, 20)
    steps.append(Step("accept", hours))
    if target == "accepted":
        return steps
    hours += rng.uniform(2, 30)
    steps.append(Step("start", hours))
    if target == "on_hold":
        return [
            *steps,
            Step("hold", hours + rng.uniform(24, 120), note="需等待业主大会表决或产权人意见统一，暂缓办理。"),
        ]
    if target == "in_progress":
        return steps
    if slow:
        hours += rng.uniform(24, 72)
        steps.append(Step("hold", hours, note="等待相关方协调，暂时挂起。"))
        hours += rng.uniform(72, 400)
        steps.append(Step("resume", hours))
    hours += rng.uniform(24, 24 * (18 if slow else 6))
    steps.append(Step("resolve", hours, resolution=resolution))
    if target == "resolved":
        return steps
    if rework:
        hours += rng.uniform(24, 72)
        steps.append(Step("visit", hours, visit_result="unsatisfied", note="居民表示问题仍未彻底解决。"))
        hours += rng.uniform(48, 24 * 7)
        steps.append(Step("resolve", hours, resolution=resolution + "（重办后复核，问题已解决）"))
        if target == "reworked":
            return steps[:-1]
    hours += rng.uniform(24, 96)
    steps.append(Step("visit", hours, visit_result=rng.choice(["satisfied", "satisfied", "basically"])))
    return steps


def _target(rng: random.Random, age_days: float) -> tuple[str, bool]:
    """The state a case received `age_days` ago has reached today (and whether it was reworked)."""
    if age_days < 3:
        options = [("new", 3), ("dispatched", 3), ("accepted", 2), ("returned", 1), ("in_progress", 2)]
    elif age_days < 20:
        options = [
            ("dispatched", 1),
            ("accepted", 2),
            ("in_progress", 5),
            ("on_hold", 1),
            ("resolved", 4),
            ("closed", 4),
        ]
    elif age_days < 90:
        options = [("in_progress", 2), ("on_hold", 1), ("resolved", 1), ("closed", 9), ("reworked", 1)]
    else:
        options = [("closed", 30), ("on_hold", 1), ("in_progress", 1)]
    target = rng.choices([name for name, _ in options], [weight for _, weight in options])[0]
    rework = target == "reworked" or (target == "closed" and rng.random() < 0.07)
    return target, rework


# --- what residents write about ----------------------------------------------------------------------

ELEVATOR = [
    (
        "{estate}{building}电梯频繁停运",
        "{estate}{building}的电梯是{year}年装的，用了{age}年，这个月已经停了好几次，上周还困过人。"
        "楼里老人多，住{floor}楼爬不动，希望尽快检修或者更换。",
    ),
    (
        "{estate}电梯老化，要求更换",
        "我们{building}的电梯和房子差不多“同龄”了，运行时抖动、有异响，维保单位说零件都停产了。"
        "请街道和房管局帮忙推动更换，维修资金怎么用也想咨询一下。",
    ),
    (
        "{estate}{building}电梯困人",
        "今天早上电梯在{floor}楼和{floor2}楼之间停住，困了二十多分钟才有人来。这部电梯{age}年了，"
        "小毛病不断，居民很担心安全。",
    ),
    (
        "咨询{estate}老旧电梯更新流程",
        "听说别的小区已经换了新电梯，我们{estate}的电梯也用了{age}年。想问问换电梯要业主怎么表决、"
        "维修资金够不够、要多久。",
    ),
]
ELEVATOR_RESOLUTION = (
    "房管局、街道工作专班与业委会、维保单位现场会商，完成业主表决和维修资金申请，电梯已更新并通过验收。"
)

THEMES = [
    # (category, request types, channels, estate kinds, [(title, description)], resolution)
    (
        ("为老服务", "独居老人"),
        ["求助", "咨询"],
        ["居委会上报", "来电", "走访发现"],
        (HousingType.OLD_LANE, HousingType.SOLD_PUBLIC),
        [
            (
                "{estate}独居老人多日未出门",
                "隔壁{age2}岁的独居老人已经三天没见他出门，敲门没人应，电话也不接，邻居们很担心。",
            ),
            (
                "{estate}独居老人申请助餐服务",
                "我母亲{age2}岁一个人住在{building}，腿脚不方便，买菜做饭困难，想申请社区助餐送餐。",
            ),
            (
                "{estate}独居老人家中电线老化",
                "楼上独居的老伯家里电线老化，上次跳闸他自己摸黑弄，怕出事，请社区帮忙看看。",
            ),
            ("为{estate}独居老人安装紧急呼叫", "家里老人独居，子女不在上海，想了解能不能装一键呼叫或者烟感报警。"),
        ],
        "居委会社工上门走访，建立联系人台账，对接助餐、紧急呼叫和定期探访服务。",
    ),
    (
        ("旧区改造", "征收签约"),
        ["咨询", "求助", "投诉"],
        ["来访", "来电", "走访发现"],
        (HousingType.OLD_LANE,),
        [
            (
                "{estate}零星旧改补偿方案咨询",
                "我家在{estate}，户口上有四个人，产证上两个人，想问零星旧改的补偿怎么算，签约期限到什么时候。",
            ),
            ("{estate}旧改家庭内部意见不一", "兄弟姐妹对旧改补偿款怎么分意见不统一，迟迟签不了约，希望街道帮忙调解。"),
            ("{estate}旧改签约后搬迁时间", "已经签约了，想问什么时候可以拿到款、搬迁期限多久，老人需要先找好过渡房。"),
            (
                "{estate}旧改房屋买卖后户籍问题",
                "去年刚买的{estate}的房子，户口还没迁进来，不知道旧改能不能算在内，想当面咨询。",
            ),
        ],
        "旧改基地和居委会一户一表摸清情况，约谈答疑，按政策解释补偿安置，居民已签约。",
    ),
    (
        ("物业管理", "物业更替"),
        ["求助", "投诉"],
        ["12345热线", "来电", "居委会上报"],
        None,
        [
            (
                "{estate}物业撤场后无人管理",
                "原来的物业公司撤走了，新物业还没来，垃圾没人清、门岗没人值班，电梯出问题也找不到人。",
            ),
            (
                "{estate}选聘新物业进展",
                "业委会说要选聘新物业，已经拖了两个月，想问街道能不能指导加快，交接期间谁来托底。",
            ),
            ("{estate}原物业不移交资料", "原物业撤场时没有把维修资金账目和设备资料交给业委会，新物业接不上手。"),
        ],
        "街道物业交接专班指导业委会依法选聘，协调原物业移交资料，空窗期由应急物业托底，新物业已进场。",
    ),
    (
        ("物业管理", "物业服务"),
        ["投诉", "建议"],
        ["12345热线", "来电"],
        None,
        [
            ("{estate}楼道灯长期不亮", "{building}楼道灯坏了一个多月，报修给物业一直没人来，晚上老人上下楼很危险。"),
            ("{estate}小区门禁损坏", "小区门禁坏了很久，外来人员随便进出，物业说在等配件。"),
            ("{estate}物业费上涨有异议", "物业通知要涨物业费，没有开业主大会，居民有意见，想问是否合规。"),
        ],
        "督促物业限期整改，居委会跟进回访，设施已修复。",
    ),
    (
        ("房屋管理", "漏水渗水"),
        ["求助", "投诉"],
        ["12345热线", "来电", "来访"],
        None,
        [
            ("{estate}{building}楼上漏水", "下雨天楼上卫生间往我家渗水，天花板都发霉了，和楼上沟通几次没有结果。"),
            ("{estate}屋面渗漏", "顶楼{floor}层屋面防水老化，一下雨就漏，已经影响到电线安全。"),
        ],
        "房管部门现场查勘，明确责任方，完成屋面防水和管道维修。",
    ),
    (
        ("市容环境", "油烟噪音"),
        ["投诉"],
        ["12345热线", "来电"],
        None,
        [
            ("{estate}附近饭店油烟扰民", "楼下新开的饭店排烟管正对我家窗户，每天油烟很重，窗户都不敢开。"),
            ("{estate}夜间施工噪音", "晚上十一点以后隔壁工地还在施工，噪音很大，老人孩子都睡不好。"),
            ("{estate}空调外机噪音", "楼下商铺空调外机整夜运行，嗡嗡声很响，影响休息。"),
        ],
        "城管和市场监管部门现场检查，督促商户加装净化设备、调整作业时间，噪音油烟已明显改善。",
    ),
    (
        ("公共安全", "电动车充电"),
        ["投诉", "建议"],
        ["网格巡查", "12345热线", "居委会上报"],
        None,
        [
            ("{estate}楼道电动车飞线充电", "{building}有人从家里拉电线到楼道给电动车充电，晚上也不拔，很危险。"),
            ("{estate}建议增设充电桩", "小区电动车多，没有集中充电的地方，建议在空地装充电桩。"),
        ],
        "消防和物业联合排查，清理飞线充电，小区新增集中充电点。",
    ),
    (
        ("公共安全", "消防隐患"),
        ["投诉"],
        ["网格巡查", "走访发现"],
        None,
        [("{estate}楼道堆放杂物", "{building}楼道里堆满纸箱和旧家具，消防通道被堵住了。")],
        "居委会和物业上门劝导，楼道杂物已清理，纳入日常巡查。",
    ),
    (
        ("市容环境", "垃圾分类"),
        ["投诉", "建议"],
        ["12345热线", "网格巡查"],
        None,
        [("{estate}垃圾箱房满溢", "小区垃圾箱房这几天没有及时清运，气味很大，还有老鼠。")],
        "督促清运单位恢复定时清运，箱房已冲洗消杀。",
    ),
    (
        ("物业管理", "停车管理"),
        ["投诉", "求助"],
        ["12345热线", "来电"],
        (HousingType.COMMODITY,),
        [("{estate}外来车辆占用车位", "小区车位被外来车辆长期占用，业主自己的车没地方停。")],
        "物业加强道闸管理，业委会制定停车规约，外来车辆已清理。",
    ),
    (
        ("房屋管理", "违章搭建"),
        ["投诉"],
        ["12345热线", "网格巡查"],
        None,
        [("{estate}{building}顶楼违章搭建", "顶楼住户在平台上搭了彩钢板房，压着屋面，下面几户都开始漏水。")],
        "城管中队立案处置，违章搭建已拆除。",
    ),
    (
        ("民生服务", "新就业群体"),
        ["建议", "求助"],
        ["来访", "居委会上报"],
        None,
        [("外卖骑手希望有歇脚点", "我们在{estate}附近送外卖，中午想找个地方喝口水、充个电，希望社区能提供爱心驿站。")],
        "在居民区党群服务站设立新就业群体爱心驿站，提供饮水、充电和休息。",
    ),
    (
        ("为老服务", "适老化改造"),
        ["求助", "咨询"],
        ["来电", "居委会上报"],
        None,
        [("{estate}老人家中适老化改造", "家里老人{age2}岁，卫生间太滑，想申请加装扶手和防滑地面。")],
        "评估后纳入适老化改造项目，扶手和防滑地面已安装。",
    ),
]


class Writer:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.estates = list(Estate.objects.prefetch_related("buildings"))

    def person(self) -> tuple[str, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(TITLES)
        if rng.random() < 0.8:
            phone = rng.choice(["13", "15", "18", "17", "19"]) + "".join(rng.choice("0123456789") for _ in range(9))
        else:
            phone = f"021-{rng.choice('56')}{''.join(rng.choice('0123456789') for _ in range(7))}"
        return name, phone

    def fill(self, text: str, estate: Estate, building: Building | None) -> str:
        now_year = timezone.localdate().year
        year = building.elevators_installed_year if building and building.elevators_installed_year else 2000
        floors = building.floors if building and building.floors else 6
        floor = self.rng.randint(2, max(2, floors))
        return text.format(
            estate=estate.name,
            building=building.number if building else "",
            year=year,
            age=now_year - year,
            floor=floor,
            floor2=floor + 1,
            age2=self.rng.randint(78, 93),
        )


def _when(today: datetime, days_ago: float) -> datetime:
    moment = today - timedelta(days=days_ago)
    hour = 8 + (int(days_ago * 37) % 10)  # office hours, varied but stable
    return moment.replace(hour=hour, minute=int(days_ago * 113) % 60, second=0, microsecond=0)


def build_specs(today: datetime) -> list[Spec]:
    """Every demo case, in external_id order; the same list for the same day."""
    rng = random.Random(SEED)
    writer = Writer(rng)
    specs: list[Spec] = []
    specs.extend(_fuan(today))
    specs.extend(_elevators(rng, writer, today))
    specs.extend(_courier(rng, writer, today))
    specs.extend(_filler(rng, writer, today, count=205))
    return specs


def _fuan(today: datetime) -> list[Spec]:
    """The source's case: 福安大厦's two 23-year-old elevators, the property company gone."""
    tz = timezone.get_current_timezone()
    received = datetime(2024, 7, 10, 10, 20, tzinfo=tz)
    handover = datetime(2024, 5, 13, 9, 40, tzinfo=tz)
    lift = Spec(
        title="福安大厦两部电梯运行23年急需更换，物业撤场无人维保",
        description=(
            "我是福安大厦的居民。大楼两部电梯从2001年用到现在，已经23年了，经常停梯、困人。前任物业公司已经撤场，"
            "新物业还没到位，电梯更换和维保都没人管，处在“空窗期”。楼里老人多，住高层的上下楼太难了，"
            "希望政府帮忙尽快解决电梯更换问题。"
        ),
        category=("房屋管理", "电梯"),
        estate="福安大厦",
        building="1号楼",
        channel="夏令热线·区长访谈",
        request_type="求助",
        received_at=received,
        reporter="杨女士",
        phone="13916203318",
        urgency="urgent",
        steps=[
            Step("dispatch", 0.7),
            Step("supervise", 1.0, note="区长访谈现场督办：这件事情不能拖，能马上办就马上办！"),
            Step("accept", 2),
            Step(
                "start", 5, note="工作专班与句容里居委会上门听取居民意见，梳理维修资金、维保单位、消防、物业四个症结。"
            ),
            Step("note", 24 * 9, note="区房管局指导业委会召开业主大会，表决通过使用专项维修资金更换电梯。"),
            Step("note", 24 * 30, note="维修资金申请材料已报区房管局审核；临时维保单位进场，保障空窗期运行安全。"),
            Step("note", 24 * 62, note="确定电梯更新施工和维保单位，消防部门完成施工期间消防安全评估。"),
            Step("note", 24 * 120, note="两部新电梯安装完成，特种设备检验合格。"),
            Step(
                "resolve",
                24 * 126,
                resolution="街道工作专班用好“一线工作法”，联系房管、消防等职能部门，一个一个环节打通，"
                "促成福安大厦两部老旧电梯更新并投入使用；新物业已选聘到位，负责日常维保。",
            ),
            Step("visit", 24 * 129, visit_result="satisfied", note="杨女士表示新电梯运行平稳，感谢街道。"),
        ],
    )
    gap = Spec(
        title="福安大厦物业撤场，电梯维保出现空窗期",
        description="福安大厦原物业公司合同到期撤场，新物业还在选聘，电梯年检和日常维保没人负责，居民担心安全。",
        category=("物业管理", "物业更替"),
        estate="福安大厦",
        building=None,
        channel="居委会上报",
        request_type="求助",
        received_at=handover,
        reporter="句容里居委会",
        phone="021-62181234",
        steps=[
            Step("dispatch", 2),
            Step("accept", 6),
            Step("start", 20),
            Step("note", 24 * 20, note="应急维保单位进场，保障电梯年检和日常维保。"),
            Step(
                "resolve",
                24 * 75,
                resolution="物业交接专班指导业委会依法选聘新物业，应急维保托底，新物业于8月进场。",
            ),
            Step("visit", 24 * 78, visit_result="basically"),
        ],
        by_committee=True,
    )
    neighbours = [
        Spec(
            title="福安大厦电梯又停了，老人下不了楼",
            description="福安大厦电梯昨天又停了一整天，我住18楼，家里老人要去医院复诊只能请人背下楼。物业走了没人修。",
            category=("房屋管理", "电梯"),
            estate="福安大厦",
            building="1号楼",
            channel="12345热线",
            request_type="投诉",
            received_at=received - timedelta(days=12, hours=3),
            reporter="沈先生",
            phone="13701852264",
            steps=[
                Step("dispatch", 2),
                Step("accept", 20),
                Step("start", 30, note="与福安大厦电梯问题并案，由工作专班统一推进。"),
                Step("resolve", 24 * 138, resolution="与福安大厦电梯更新一并办理，两部新电梯已投入使用。"),
                Step("visit", 24 * 141, visit_result="satisfied"),
            ],
        ),
        Spec(
            title="福安大厦电梯困人，要求尽快更换",
            description="福安大厦1号楼电梯困人，等了四十分钟。电梯23年了，请相关部门重视，尽快更换。",
            category=("房屋管理", "电梯"),
            estate="福安大厦",
            building="1号楼",
            channel="12345热线",
            request_type="投诉",
            received_at=received + timedelta(days=4, hours=5),
            reporter="顾阿姨",
            phone="15921337406",
            steps=[
                Step("dispatch", 1),
                Step("accept", 5),
                Step("start", 20),
                Step("resolve", 24 * 125, resolution="与福安大厦电梯更新一并办理，两部新电梯已投入使用。"),
                Step("visit", 24 * 128, visit_result="satisfied"),
            ],
        ),
    ]
    return [lift, gap, *neighbours]


def _elevators(rng: random.Random, writer: Writer, today: datetime) -> list[Spec]:
    """Elevator ageing in other commodity estates: the class of matters 福安大厦 was one of."""
    plan = [
        ("晶华园", "1号楼", 560, "closed"),
        ("晶华园", "2号楼", 540, "closed"),
        ("晶华园", "2号楼", 500, "closed"),
        ("海防大楼", "A座", 130, "closed"),
        ("海防大楼", "A座", 40, "in_progress"),
        ("海防大楼", "B座", 12, "accepted"),
        ("西康公寓", "主楼", 200, "on_hold"),
        ("西康公寓", "主楼", 60, "in_progress"),
        ("三和花园", "1号楼", 95, "resolved"),
        ("三和花园", "1号楼", 15, "dispatched"),
        ("武定坊", "1号楼", 30, "in_progress"),
        ("武定坊", "2号楼", 8, "accepted"),
        ("江宁大楼", "主楼", 1.5, "new"),
        ("江宁大楼", "主楼", 4, "dispatched"),
        ("昌平公寓", "1号楼", 300, "reworked_closed"),
    ]
    by_name = {estate.name: estate for estate in writer.estates}
    specs = []
    for name, number, days_ago, target in plan:
        estate = by_name.get(name)
        if estate is None:
            continue
        building = next((b for b in estate.buildings.all() if b.number == number), None)
        title, description = rng.choice(ELEVATOR)
        reporter, phone = writer.person()
        rework = target == "reworked_closed"
        story = _story(rng, "closed" if rework else target, ELEVATOR_RESOLUTION, slow=days_ago > 60, rework=rework)
        spec = Spec(
            title=writer.fill(title, estate, building),
            description=writer.fill(description, estate, building),
            category=("房屋管理", "电梯"),
            estate=name,
            building=number,
            channel=rng.choice(["12345热线", "来电", "居委会上报", "来访"]),
            request_type=rng.choice(["求助", "投诉", "咨询"]),
            received_at=_when(today, days_ago),
            reporter=reporter,
            phone=phone,
            steps=story,
        )
        if (name, target) == ("海防大楼", "in_progress"):
            spec.extension = (15, "业主大会表决和维修资金审核需要时间，申请延期。", True)
        if (name, target) == ("西康公寓", "in_progress"):
            spec.extension = (20, "小区无物业，维修资金归集不足，需协调补充资金来源。", None)
        if (name, target) == ("武定坊", "in_progress"):
            spec.extension = (30, "等待新物业进场后再启动。", False)
            spec.steps.append(Step("remind", days_ago * 24 - 30, note="居民再次来电催促电梯问题进展。"))
        specs.append(spec)
    return specs


def _courier(rng: random.Random, writer: Writer, today: datetime) -> list[Spec]:
    """Several residents about one matter: the courier station on 海防路 working into the night."""
    texts = [
        (
            "海防路快递驿站夜间装卸噪音",
            "海防新村旁边的快递驿站每天晚上十点以后还在卸货，推车声、喊话声很吵，老人孩子睡不着。",
        ),
        ("快递驿站半夜卸货太吵", "海防路那家快递驿站半夜十二点还有货车来卸货，住在2号楼临街一面根本没法休息。"),
        (
            "投诉海防新村门口快递点噪音",
            "小区门口的快递点早上六点就开始分拣，扫码枪和喇叭声音很响，多次和他们说都不改。",
        ),
        ("快递驿站占道堆放且噪音扰民", "驿站把包裹堆到人行道上，晚上还在搬运，噪音大，行人也过不去。"),
        ("再次反映快递驿站噪音问题", "上周已经打过12345反映海防路快递驿站夜间噪音，到现在还是一样吵，希望尽快处理。"),
        ("快递驿站电动三轮车夜里进出", "驿站的电动三轮车夜里进进出出，喇叭一直按，楼上住户受影响很大。"),
    ]
    start = 26
    targets = ["in_progress", "accepted", "dispatched", "dispatched", "new", "new"]
    specs = []
    for index, ((title, description), target) in enumerate(zip(texts, targets, strict=True)):
        reporter, phone = writer.person()
        specs.append(
            Spec(
                title=title,
                description=description,
                category=("市容环境", "快递驿站"),
                estate="海防新村",
                building=rng.choice(["1号", "2号"]),
                channel="12345热线" if index % 3 else "来电",
                request_type="投诉",
                received_at=_when(today, start - index * 4.3),
                reporter=reporter,
                phone=phone,
                steps=_story(rng, target, ""),
            )
        )
    return specs


def _days_ago(rng: random.Random) -> float:
    """Recent cases are more numerous: 15% from this month (most still open), the rest fading over two years."""
    if rng.random() < 0.15:
        return rng.uniform(1, 20)
    return min(rng.expovariate(1 / 220), 725) + 1 + rng.random()


def _filler(rng: random.Random, writer: Writer, today: datetime, *, count: int) -> list[Spec]:
    specs = []
    for _index in range(count):
        category, types, channels, kinds, texts, resolution = rng.choice(THEMES)
        estates = [e for e in writer.estates if kinds is None or e.housing_type in kinds] or writer.estates
        estate = rng.choice(estates)
        buildings = list(estate.buildings.all())
        building = rng.choice(buildings) if buildings and rng.random() < 0.7 else None
        title, description = rng.choice(texts)
        days_ago = _days_ago(rng)
        target, rework = _target(rng, days_ago)
        reporter, phone = writer.person()
        spec = Spec(
            title=writer.fill(title, estate, building),
            description=writer.fill(description, estate, building),
            category=category,
            estate=estate.name,
            building=building.number if building and "{building}" in title + description else None,
            channel=rng.choice(channels),
            request_type=rng.choice(types),
            received_at=_when(today, days_ago),
            reporter=reporter,
            phone=phone,
            steps=_story(rng, target, resolution, slow=category[0] == "旧区改造", rework=rework),
            urgency="urgent" if rng.random() < 0.08 else "normal",
        )
        if target == "in_progress" and days_ago > 10 and rng.random() < 0.5:
            spec.steps.append(Step("remind", days_ago * 24 - rng.uniform(10, 48), note="居民来电询问办理进度。"))
        specs.append(spec)
    return specs


# --- loading ----------------------------------------------------------------------------------------


class Loader:
    def __init__(self, now: datetime):
        from methods.models import Method

        user_model = get_user_model()
        self.now = now
        self.staff = user_model.objects.filter(username="staff").first() or (
            user_model.objects.filter(is_superuser=True).order_by("pk").first()
        )
        # Return visits by the 回访员 and extensions decided by a second staff member: nobody checks their own work.
        self.visitor = user_model.objects.filter(username="huifang").first() or self.staff
        self.director = user_model.objects.filter(username="director").first() or self.staff
        self.committee = {
            user.profile.neighbourhood_id: user
            for user in user_model.objects.filter(username__in=["committee", "haifang"]).select_related("profile")
            if getattr(user, "profile", None) and user.profile.neighbourhood_id
        }
        self.categories = {(c.parent.name, c.name): c for c in Category.objects.filter(parent__isnull=False)}
        self.channels = {c.name: c for c in Channel.objects.all()}
        self.request_types = {r.name: r for r in RequestType.objects.all()}
        self.departments = {d.name: d for d in Department.objects.all()}
        self.estates = {e.name: e for e in Estate.objects.select_related("neighbourhood")}
        self.buildings = {(b.estate.name, b.number): b for b in Building.objects.select_related("estate")}
        self.methods = list(Method.objects.filter(is_active=True).prefetch_related("categories"))
        self.teams: dict[str, Team] = {}
        self.created = 0

    def ready(self) -> bool:
        return bool(self.staff and self.categories and self.estates)

    def team(self, name: str) -> Team:
        if name not in self.teams:
            team, made = Team.objects.get_or_create(name=name, defaults={"description": TEAMS[name]})
            if made:
                team.members.add(self.staff)
                self.created += 1
            self.teams[name] = team
        return self.teams[name]

    def method_for(self, category: Category):
        for method in self.methods:
            if category in method.categories.all():
                return method
        named = [method for method in self.methods if method.name == "一线工作法"]
        return (named or self.methods or [None])[0]

    def create(self, external_id: str, spec: Spec) -> Case | None:
        category = self.categories.get(spec.category)
        estate = self.estates.get(spec.estate) if spec.estate else None
        if category is None or (spec.estate and estate is None):
            return None
        actor = self.staff
        if spec.by_committee or spec.channel == "居委会上报":
            actor = self.committee.get(estate.neighbourhood_id, self.staff) if estate else self.staff
        data = {
            "external_id": external_id,
            "title": spec.title,
            "description": spec.description,
            "category": category,
            "channel": self.channels.get(spec.channel),
            "request_type": self.request_types.get(spec.request_type),
            "received_at": spec.received_at,
            "urgency": spec.urgency,
            "reporter_name": spec.reporter,
            "reporter_phone": spec.phone,
            "neighbourhood": estate.neighbourhood if estate else None,
            "estate": estate,
            "building": self.buildings.get((spec.estate, spec.building)) if spec.building else None,
        }
        case = case_create(actor=actor, data=data, at=spec.received_at)
        self.created += 1
        return case

    def play(self, case: Case, spec: Spec, steps: list[Step]) -> Case:
        """Make the moves that have happened by now; stop before a resolve when no work method exists."""
        for step in sorted(steps, key=lambda step: step.hours):
            at = spec.received_at + timedelta(hours=step.hours)
            if at >= self.now:
                break
            extra = {}
            if step.action == "dispatch":
                lead, assisting, team = ROUTING.get(spec.category[1], ("街道城运中心", [], None))
                extra = {
                    "lead_department": self.departments.get(lead),
                    "assisting_departments": [self.departments[n] for n in assisting if n in self.departments],
                    "team": self.team(team) if team else None,
                    "assignee": self.staff,
                }
            elif step.action == "resolve":
                method = self.method_for(case.category)
                if method is None:
                    break
                extra = {"resolution": step.resolution or "已办结。", "method": method}
            elif step.action == "visit":
                extra = {"visit_result": step.visit_result}
                if step.visit_result == "unsatisfied":
                    extra["visit_reason"] = "partly"
            actor = self.visitor if step.action == "visit" else self.staff
            case = case_transition(case_id=case.pk, actor=actor, action=step.action, note=step.note, at=at, **extra)
            self.created += 1
        return case

    def extend(self, case: Case, spec: Spec) -> None:
        if not spec.extension or case.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD):
            return
        days, reason, approve = spec.extension
        extension = extension_request(case_id=case.pk, actor=self.staff, days=days, reason=reason)
        self.created += 1
        if approve is not None:
            note = "同意延期，请抓紧推进。" if approve else "不同意延期：请先按原计划推进，新物业进场后再议。"
            extension_decide(extension_id=extension.pk, actor=self.director, approve=approve, note=note)


def load() -> int:
    """Create the demo cases that are missing (and finish those that waited for a work method)."""
    now = timezone.now()
    loader = Loader(now)
    if not loader.ready():
        return 0
    specs = build_specs(datetime.combine(timezone.localdate(), time(0, 0), tzinfo=timezone.get_current_timezone()))
    ids = [f"demo-{number:04d}" for number in range(1, len(specs) + 1)]
    existing = {case.external_id: case for case in Case.objects.filter(external_id__in=ids).select_related("category")}
    for external_id, spec in zip(ids, specs, strict=True):
        case = existing.get(external_id)
        if case is None:
            case = loader.create(external_id, spec)
            if case is not None:
                case = loader.play(case, spec, spec.steps)
                loader.extend(case, spec)
        elif loader.methods and case.status == Status.IN_PROGRESS and case.resolved_at is None:
            waiting = _waiting_steps(case, spec)
            if waiting:
                loader.play(case, spec, waiting)
    loader.created += _merge_duplicates(loader.staff)
    return loader.created


def _merge_duplicates(actor, limit: int = 3) -> int:
    """Merge a few open duplicates (same building, same category) into the earliest, so the demo shows 已并单."""
    from cases.merging import case_merge

    demo = Case.objects.filter(external_id__startswith="demo-")
    if demo.filter(status=Status.MERGED).exists():
        return 0
    groups: dict[tuple, list[Case]] = {}
    for case in demo.open().exclude(building=None).order_by("received_at", "pk"):
        groups.setdefault((case.building_id, case.category_id), []).append(case)
    merged = 0
    for group in groups.values():
        if len(group) < 2 or merged >= limit:
            continue
        case_merge(
            case_id=group[-1].pk, into_id=group[0].pk, actor=actor, note="同一楼栋同一问题的重复来电，并单办理。"
        )
        merged += 1
    return merged


def _waiting_steps(case: Case, spec: Spec) -> list[Step]:
    """The steps from the first resolve on, for a case that stopped there because no method existed then."""
    actions = [step.action for step in spec.steps]
    if "resolve" not in actions or case.events.filter(action="resolve").exists():
        return []
    return spec.steps[actions.index("resolve") :]
