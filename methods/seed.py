"""The five methods the source article describes, written only from what it says.

Source: 解放日报 唐烨, 《促成解决“一件事”到“一类事”，江宁路街道发布〈孺子牛工作法〉》 (shared/seed/). The
handbook has 15 methods; the article names five and does not give their numbers, so they are numbered 1–5 in
the order the article mentions them and flagged `number_provisional`. The other ten are not invented: admins
add them from the handbook itself. Loaded by `load_demo` after `cases.reference` (it links categories).
"""

from django.db.models import Max

from cases.models import Category
from methods.models import Method
from methods.services import store_version

SOURCE = (
    "解放日报 唐烨：《促成解决“一件事”到“一类事”，江宁路街道发布〈孺子牛工作法〉》（网易号转载）。"
    "报道未给出各工作法在汇编中的序号，此处按报道中出现的先后暂编。"
)
THIN = "报道对该工作法的介绍只有一句，以下内容之外的做法、步骤和案例待依据汇编原文补充。"
STEPS_NOTE = "报道没有列出正式步骤，“步骤”一栏按报道对案例的描述整理，待依据汇编原文核对。"
OLD_AND_YOUNG = (
    "报道原文：“以心换心”和“望闻问切”工作法，分别聚焦“一老一小”群体，为他们提供服务、保驾护航。"
    "报道没有说明两个工作法各自对应老人还是孩子，也没有介绍具体做法。"
)

METHODS = [
    {
        "name": "一线工作法",
        "motto": "深入实地，分析症结；一个一个环节打通，一项一项问题解决。",
        "summary": (
            "街道工作专班和居委会发挥群众工作优势，深入实地、分析症结，在广泛听取居民意见建议的基础上，"
            "联系各专业职能部门，一个一个环节打通，一项一项问题解决。\n"
            "报道以福安大厦老旧电梯更新为例，并说明街道在此基础上坚持把解决“一件事”变成解决“一类事”。\n" + STEPS_NOTE
        ),
        "when_to_use": (
            "牵涉多个环节、多个职能部门的复杂诉求。报道中的情形：商品房小区老旧电梯更新，涉及维修资金、"
            "电梯维保单位、消防、物业等问题，且前任物业已撤场、新物业未到位（“空窗期”）。\n"
            "2025 年街道把“商品房老旧电梯批量更新”写进“党建引领‘静邻物业·品质跃升’治理项目”，"
            "继续运用“一线工作法”推进。"
        ),
        "steps": (
            "成立工作专班，主动介入，积极调处\n"
            "深入实地，分析症结：维修资金、电梯维保单位、消防、物业等问题逐一梳理\n"
            "广泛听取居民意见建议\n"
            "联系各专业职能部门，一个一个环节打通，一项一项问题解决\n"
            "举一反三：排查同类问题隐患，把解决“一件事”变成解决“一类事”，形成工作机制（如换梯“通关图”）"
        ),
        "example": (
            "福安大厦位于江宁路海防路口，大楼的 2 部电梯运行 23 年后需要更换。前任物业公司已撤场、新物业未到位，"
            "电梯的更换、维保遭遇“空窗期”。居民杨女士在“2024夏令热线·区长访谈”节目中来电反映，"
            "区领导当场表示“这件事情不能拖，能马上办就马上办！”。\n"
            "街道此前已成立专班主动介入。在区房管局的指导与支持下，街道工作专班和句容里居委会用好“一线工作法”，"
            "最终促成福安大厦老旧电梯成功更新，居民诉求得到圆满解决。\n"
            "此后街道搭建平台、多部门协同，推动符合条件的小区更新老旧电梯：2024 年共有包括晶华园在内的 21 台电梯换梯；"
            "2025 年将推动不少于 25 台老旧电梯的更新工作。"
        ),
        "categories": [
            ("房屋管理", "电梯"),
            ("物业管理", "物业更替"),
            ("物业管理", "维修资金"),
            ("公共安全", "消防隐患"),
        ],
    },
    {
        "name": "钥匙工作法",
        "motto": "一把钥匙开一把锁。",
        "summary": (
            "“一把钥匙开一把锁”：针对每户居民的具体情况和诉求做工作（报道中体现为反复排摸、“一户一表”、积极约谈）。报道称这套方法在街道十多年旧改过程中“常用常新”，"
            "是让政府决心与居民愿望“双向奔赴”的群众路线方法论。\n" + STEPS_NOTE
        ),
        "when_to_use": (
            "旧区改造（包括零星旧改）的摸底、签约和搬迁，特别是面对少数因各种原因有不同诉求的居民（“硬骨头”）。"
            "报道中的地块房屋买卖频繁、信息更新快，需要把工作做得更精准。"
        ),
        "steps": (
            "摸底：街道干部到弄堂里、到居民家中反复排摸，及时掌握情况\n"
            "形成“一户一表”\n"
            "积极约谈，建立信任\n"
            "答疑解惑，解开心结\n"
            "对少数有不同诉求的居民，“一把钥匙开一把锁”，逐户做工作"
        ),
        "example": (
            "海防路、新丰路、西康路零星旧改地块（报道称“自今年2月起”启动）：海防村居民区和蒋家巷居民区开展摸底，"
            "形成“一户一表”，积极约谈、答疑解惑，一些居民由最初的“挑头反对者”转变为“带头签约者”，"
            "最终实现高比例签约目标。\n"
            "报道还称：近年来街道先后拆平 10 块整幅地块，受益居民 8725 户；过去五年，9 片零星地块均实现签约、"
            "搬迁“双100%”，受益居民 1525 户。"
        ),
        "categories": [("旧区改造", "零星旧改"), ("旧区改造", "征收签约"), ("旧区改造", "搬迁安置")],
    },
    {
        "name": "三好工作法",
        "motto": "以“三好”聚“三新”，共绘美好街区“同心圆”。",
        "summary": (
            "报道原文：以“三好”工作法聚“三新”，共绘美好街区“同心圆”，探索了做好新就业群体党建工作的方法路径。"
            "报道没有说明“三好”“三新”具体指什么。\n" + THIN
        ),
        "when_to_use": "新就业群体的党建工作与服务。",
        "steps": "",
        "example": "报道未给出案例，待补充。",
        "categories": [("民生服务", "新就业群体")],
    },
    {
        "name": "以心换心工作法",
        "motto": "",
        "summary": OLD_AND_YOUNG + "\n" + THIN,
        "when_to_use": "为“一老一小”群体提供服务（报道未细分）。适用类别暂按“为老服务”关联，请依据汇编原文核实。",
        "steps": "",
        "example": "报道未给出案例，待补充。",
        "categories": [("为老服务", "独居老人"), ("为老服务", "助餐助浴"), ("为老服务", "适老化改造")],
    },
    {
        "name": "望闻问切工作法",
        "motto": "",
        "summary": OLD_AND_YOUNG + "\n" + THIN,
        "when_to_use": "为“一老一小”群体提供服务（报道未细分）。适用类别暂按“为老服务”关联，请依据汇编原文核实。",
        "steps": "",
        "example": "报道未给出案例，待补充。",
        "categories": [("为老服务", "独居老人"), ("为老服务", "助餐助浴"), ("为老服务", "适老化改造")],
    },
]


def load() -> int:
    """Create the article's methods that are missing (an admin's later edits are kept); returns rows created."""
    created = 0
    for order, entry in enumerate(METHODS, start=1):
        if Method.objects.filter(name=entry["name"]).exists():
            continue
        fields = {key: value for key, value in entry.items() if key != "categories"}
        number = order
        if Method.objects.filter(number=number).exists():
            number = (Method.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        method = Method(number=number, number_provisional=True, source=SOURCE, **fields)
        method._change_reason = "据报道整理（示例数据）"
        categories = [
            category
            for parent, name in entry["categories"]
            for category in Category.objects.filter(parent__parent=None, parent__name=parent, name=name)
        ]
        store_version(method, categories)
        created += 1 + len(categories)
    return created
