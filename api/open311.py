"""Open311 GeoReport v2: categories as services, cases as service requests.

Reading is open to anyone, as the standard expects, and answers no personal data: no resident's
name or phone, no free-text address; the description only to the api_key of an account that may
see the case, with phone numbers masked. Posting needs the api_key of a service account.
"""

import hashlib
import math
import re
import time
from datetime import timedelta
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from accounts import roles
from api.authentication import is_service_account
from api.errors import validation_body
from attachments import selectors as attachment_selectors
from attachments import services as attachment_services
from cases.deadlines import handling_days
from cases.models import OPEN_STATUSES, Case, Category, Channel, RequestType, Status
from cases.personal import mask_text
from cases.selectors import buildings_for, estates_for, neighbourhoods_for
from cases.services import CaseError, NotPermitted, case_create
from cases.validators import validate_calendar_date
from places.models import Neighbourhood

TOKEN_SHAPE = re.compile(r"^[0-9a-f]{40}$")
MAX_RESULTS = 1000
DEFAULT_SPAN = timedelta(days=90)
CLOSED_STATUSES = [status for status in Status if status not in OPEN_STATUSES]


class Open311Error(Exception):
    def __init__(self, field: str, message: str, code: int = 400):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


# --- answers in JSON or XML ----------------------------------------------------------------------


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="utf-8")


def _answer(rows: list[dict], fmt: str, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(rows, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(error: Open311Error, fmt: str) -> HttpResponse:
    row = {"code": error.code, "description": f"{error.field}: {error.message}", "field": error.field}
    return _answer([row], fmt, root="errors", item="error", status=error.code)


def open311_view(methods: list[str]):
    """An Open311 endpoint: no sign-in session, no CSRF (systems post with an api_key), errors as Open311 errors."""

    def wrap(view):
        def inner(request, *args, fmt: str, **kwargs):
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                return _error(error, fmt)

        inner.__name__ = inner.__qualname__ = view.__name__
        inner.__doc__ = view.__doc__
        return login_not_required(csrf_exempt(require_http_methods(methods)(inner)))

    return wrap


# --- reading ---------------------------------------------------------------------------------------


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _account(request, *, required: bool):
    """The service account of the api_key, or None. A POST carries it in its body only: a key in a URL ends up in
    access logs and proxies' histories (GET reads follow the standard and may put it in the query)."""
    key = (request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")) or ""
    key = key.strip()
    if not key:
        if required:
            raise Open311Error("api_key", _("请提供 api_key。"), 403)
        return None
    # A token is 40 hexadecimal characters; anything else (a NUL byte PostgreSQL refuses included) is no key.
    token = Token.objects.select_related("user__profile").filter(key=key).first() if TOKEN_SHAPE.match(key) else None
    if token is None or not token.user.is_active or not is_service_account(token.user):
        raise Open311Error("api_key", _("api_key 无效。"), 403)
    return token.user


def _status(case: Case) -> tuple[str, str]:
    """The request's status and notes; a merged request shows its master's status and names the master."""
    master = case.merged_into if case.status == Status.MERGED and case.merged_into_id else None
    if master is None:
        return ("open" if case.status in OPEN_STATUSES else "closed"), _status_notes(case)
    notes = _("已并入 %(master)s（%(status)s）") % {"master": master.reference, "status": master.get_status_display()}
    return ("open" if master.status in OPEN_STATUSES else "closed"), notes


def _request_row(case: Case, *, with_description: bool, media_url: str | None = None) -> dict:
    place = " ".join(part for part in (case.estate.name if case.estate_id else "", _building(case)) if part)
    if case.category.is_sensitive:
        # 独居老人 at a named estate or building tells anyone where a vulnerable resident lives: the public sees
        # the neighbourhood only.
        place = ""
    geo = _geo(case) if place else (None, None)
    status, notes = _status(case)
    return {
        "service_request_id": case.reference,
        "status": status,
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": str(case.category_id),
        "description": mask_text(f"{case.title}\n{case.description}") if with_description else None,
        "agency_responsible": _agency(case),
        "service_notice": _notice(case),
        "requested_datetime": _when(case.received_at),
        "updated_datetime": _when(case.updated_at),
        "expected_datetime": _when(case.due_at),
        "address": place or case.neighbourhood.name,
        "address_id": str(case.building_id) if case.building_id and place else None,
        "zipcode": None,
        "lat": geo[0],
        "long": geo[1],
        "media_url": media_url,  # only a photo staff marked public
    }


def _building(case: Case) -> str:
    return case.building.number if case.building_id else ""


def _rows(request, cases) -> list[dict]:
    account = _account(request, required=False)
    cases = list(
        cases.select_related("category", "estate", "building", "neighbourhood", "lead_department", "merged_into")
    )
    readable = set()
    if account is not None:
        readable = set(
            Case.objects.visible_to(account).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True)
        )
    photos = attachment_selectors.public_photos_of([case.pk for case in cases])
    media = {
        pk: request.build_absolute_uri(reverse("attachments:public", args=[p.public_key])) for pk, p in photos.items()
    }
    return [_request_row(case, with_description=case.pk in readable, media_url=media.get(case.pk)) for case in cases]


def _services():
    return Category.objects.filter(is_active=True).exclude(parent=None).select_related("parent")


@open311_view(["GET", "HEAD"])
def services(request, fmt: str):
    """Every leaf category (房屋管理›电梯) is a service; its code is the category's id."""
    rows = [
        {
            "service_code": str(category.pk),
            "service_name": category.name,
            "description": str(category),
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": category.parent.name,
        }
        for category in _services()
    ]
    return _answer(rows, fmt, root="services", item="service")


@open311_view(["GET", "HEAD"])
def service_definition(request, code: str, fmt: str):
    valid = code.isascii() and code.isdigit() and len(code) < 10
    category = _services().filter(pk=int(code)).first() if valid else None
    if category is None:
        raise Open311Error("service_code", _("没有这个服务。"), 404)
    return _definition(category, fmt)


def _date_param(request, name: str):
    raw = request.GET.get(name, "").strip().replace(" ", "+")
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(name, _("请使用 W3C 日期时间格式，如 2026-01-01T00:00:00Z。"))
    try:
        validate_calendar_date(value)
    except ValidationError as error:
        raise Open311Error(name, error.messages[0]) from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _list_param(request, name: str) -> list[str]:
    return [part.strip() for part in request.GET.get(name, "").split(",") if part.strip()]


def _filtered_requests(request):
    references = _list_param(request, "service_request_id")
    cases = Case.objects.order_by("-received_at", "-id")
    if references:
        # As the standard says: a list of ids overrides every other parameter.
        return cases.filter(reference__in=references[:MAX_RESULTS])  # paged by _paged()
    codes = _list_param(request, "service_code")
    if codes:
        if not all(code.isascii() and code.isdigit() and len(code) < 10 for code in codes):
            raise Open311Error("service_code", _("服务代码必须是数字。"))
        cases = cases.filter(category_id__in=[int(code) for code in codes])
    statuses = set(_list_param(request, "status"))
    if statuses - {"open", "closed"}:
        raise Open311Error("status", _("状态只能是 open 或 closed。"))
    # A merged request has its master's status (cases/merging.py keeps the chain one step long).
    is_open = Q(status__in=OPEN_STATUSES) | Q(status=Status.MERGED, merged_into__status__in=OPEN_STATUSES)
    if statuses == {"open"}:
        cases = cases.filter(is_open)
    elif statuses == {"closed"}:
        cases = cases.exclude(is_open)
    start, end = _date_param(request, "start_date"), _date_param(request, "end_date")
    if start and end and end < start:
        raise Open311Error("end_date", _("结束时间不能早于开始时间。"))
    if start and end and end - start > DEFAULT_SPAN:
        raise Open311Error("end_date", _("查询时间跨度不能超过 90 天。"))
    end = end or (start + DEFAULT_SPAN if start else timezone.now())
    start = start or end - DEFAULT_SPAN
    return cases.filter(received_at__gte=start, received_at__lte=end)  # paged by _paged()


@open311_view(["GET", "HEAD"])
def request_detail(request, request_id: str, fmt: str):
    cases = Case.objects.filter(reference=request_id[:20])
    rows = _rows(request, cases)
    if not rows:
        raise Open311Error("service_request_id", _("没有这个服务请求。"), 404)
    return _answer(rows, fmt, root="service_requests", item="request")


@open311_view(["GET", "HEAD", "POST"])
def requests_(request, fmt: str):
    """GET: requests received in a time range (default: the last 90 days). POST: a new one, as a case."""
    if request.method == "POST":
        return _post_request(request, fmt)
    cases = _paged(request, _filtered_requests(request))
    return _answer(_rows(request, cases), fmt, root="service_requests", item="request")


# --- posting ----------------------------------------------------------------------------------------


def _lookup(rows, raw: str, field: str, **name_field):
    """One row of `rows` (a model's manager or a queryset) by id or by exact name."""
    raw = raw.strip()
    found = None
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        found = rows.filter(pk=int(raw)).first()
    if found is None and name_field:
        found = rows.filter(**{next(iter(name_field)): raw}).first()
    if found is None:
        raise Open311Error(field, _("找不到“%(value)s”。") % {"value": raw[:50]})
    return found


def _place(request, account) -> dict:
    """Where the request is: address_id (a building's id), else the building nearest to lat/long, else
    attribute[estate], else attribute[neighbourhood], else the committee service account's own neighbourhood."""
    post = request.POST
    # Only the places the account may see: another neighbourhood's building is "not found", like its cases.
    if post.get("address_id", "").strip():
        building = _lookup(buildings_for(account), post["address_id"], "address_id")
        estate = building.estate
        return {"building": building, "estate": estate, "neighbourhood": estate.neighbourhood, "_field": "address_id"}
    nearest = _nearest_place(request, account)
    if nearest is not None:
        return nearest
    if post.get("attribute[estate]", "").strip():
        estate = _lookup(estates_for(account), post["attribute[estate]"], "attribute[estate]", name=True)
        return {"estate": estate, "neighbourhood": estate.neighbourhood, "_field": "attribute[estate]"}
    if post.get("attribute[neighbourhood]", "").strip():
        rows = neighbourhoods_for(account)
        hood = _lookup(rows, post["attribute[neighbourhood]"], "attribute[neighbourhood]", name=True)
        return {"neighbourhood": hood, "_field": "attribute[neighbourhood]"}
    own = roles.committee_neighbourhood_id(account)
    if own:
        return {"neighbourhood": Neighbourhood.objects.get(pk=own), "_field": "attribute[neighbourhood]"}
    raise Open311Error(
        "address_id", _("请提供 address_id（楼栋编号）、attribute[estate] 或 attribute[neighbourhood]。")
    )


def _text(request, name: str, limit: int, *, required: bool = False) -> str:
    value = request.POST.get(name, "").strip()
    if required and not value:
        raise Open311Error(name, _("必填。"))
    if len(value) > limit:
        raise Open311Error(name, _("不能超过 %(limit)s 个字符。") % {"limit": limit})
    return value


def _external_channel() -> Channel:
    return Channel.objects.get_or_create(code="external", defaults={"name": "外部系统"})[0]


def _request_type(request) -> RequestType:
    """attribute[request_type] (an id or a name such as 投诉), else the first type of the list."""
    raw = request.POST.get("attribute[request_type]", "")
    if raw.strip():
        return _lookup(RequestType.objects, raw, "attribute[request_type]", name=True)
    first = RequestType.objects.order_by("sort_order", "name").first()
    if first is None:
        raise Open311Error("attribute[request_type]", _("系统尚未设置诉求类型。"))
    return first


# Which Open311 field to name when the case service refuses one of the case's fields.
FIELD_NAMES = {
    "title": "description",
    "category": "service_code",
    "reporter_name": "last_name",
    "reporter_phone": "phone",
    "address": "address_string",
    "external_id": "attribute[external_id]",
    "request_type": "attribute[request_type]",
}


def _throttled(request, key: str) -> bool:
    """More than OPEN311_POSTS_PER_MINUTE posts this minute from this key or this address (a shared cache in
    production: CACHE_URL)."""
    minute = int(time.time() // 60)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    over = False
    for who in (f"key:{digest}", f"ip:{request.META.get('REMOTE_ADDR', '')}"):
        name = f"open311:post:{who}:{minute}"
        cache.add(name, 0, timeout=120)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=120)
            count = 1
        over = over or count > settings.OPEN311_POSTS_PER_MINUTE
    return over


def _post_request(request, fmt: str) -> HttpResponse:
    if "api_key" in request.GET:
        raise Open311Error("api_key", _("请在请求正文中提交 api_key，不要放在网址中。"), 400)
    if _throttled(request, request.POST.get("api_key", "")):
        raise Open311Error("service_request", _("提交过于频繁，请稍后再试。"), 429)
    account = _account(request, required=True)
    if not (roles.is_staff_member(account) or roles.committee_neighbourhood_id(account)):
        raise Open311Error("api_key", _("该服务账号没有登记案件的角色。"), 403)
    code = _text(request, "service_code", 9, required=True)
    category = _services().filter(pk=int(code)).first() if code.isascii() and code.isdigit() else None
    if category is None:
        raise Open311Error("service_code", _("没有这个服务。"))
    description = _text(request, "description", 4000, required=True)
    external_id = _text(request, "attribute[external_id]", 64)
    if external_id:
        existing = Case.objects.visible_to(account).filter(external_id=external_id).first()
        if existing is not None:
            # The same system sent the same request again (a retry): answer with the case it made.
            return _answer(
                [{"service_request_id": existing.reference, "service_notice": "", "account_id": None}],
                fmt,
                root="service_requests",
                item="request",
                status=200,
            )
    media_url = _media_url(request)
    place = _place(request, account)
    place_field = place.pop("_field")
    name = " ".join(part for part in (_text(request, "first_name", 25), _text(request, "last_name", 25)) if part)
    data = {
        "title": description.splitlines()[0][:60],
        "description": description,
        "category": category,
        "channel": _external_channel(),
        "request_type": _request_type(request),
        "received_at": timezone.now(),
        "reporter_name": name,
        "reporter_phone": _text(request, "phone", 20),
        "address": _text(request, "address_string", 200),
        "external_id": external_id or None,
        **place,
    }
    try:
        case = case_create(actor=account, data=data)
    except NotPermitted as error:
        raise Open311Error(place_field if error.field == "neighbourhood" else "api_key", error.message, 403) from None
    except CaseError as error:
        raise Open311Error(FIELD_NAMES.get(error.field, error.field or place_field), error.message) from None
    except ValidationError as error:
        field, messages = next(iter(validation_body(error).items()))
        name = FIELD_NAMES.get(field, place_field if field in ("estate", "building", "neighbourhood") else field)
        raise Open311Error(name, " ".join(messages)) from None
    except IntegrityError:
        raise Open311Error("attribute[external_id]", _("该外部编号已被另一案件使用。"), 409) from None
    if media_url:  # kept as a link, never fetched (the intranet has no internet)
        attachment_services.attachment_link(case_id=case.pk, actor=account, url=media_url)
    row = {"service_request_id": case.reference, "service_notice": _notice(case), "account_id": None}
    return _answer([row], fmt, root="service_requests", item="request", status=201)


# --- issue 20: a complete GeoReport v2 face (discovery, paging, places on the map, notes) ---------------
# Kept apart from the reading and posting code above so that other changes to it merge cleanly.

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed in a way a client should notice (discovery's `changeset`).
CHANGESET = "2026-12-04T00:00:00Z"
NEAREST_WITHIN_METRES = 1000


def _status_notes(case: Case) -> str:
    """The status in words, and once resolved the public reply (答复口径) — never the internal result."""
    label = case.get_status_display()
    if case.status in CLOSED_STATUSES and case.public_reply:
        return f"{label}：{mask_text(case.public_reply)}"
    if case.rework_count and case.status in OPEN_STATUSES:
        return f"{label}（{_('重新办理')}）"
    return label


def _agency(case: Case) -> str:
    """The lead unit once dispatched; until then the street office that received it."""
    return case.lead_department.name if case.lead_department_id else settings.SUBDISTRICT_NAME


def _notice(case: Case) -> str:
    """What the requester may expect: the handling time in working days, and where to follow it."""
    days = handling_days(case.category, case.urgency)
    return _("%(days)s 个工作日内办结；可凭编号在 %(path)s 查询办理进度。") % {
        "days": days,
        "path": reverse("track:lookup"),
    }


def _geo(case: Case) -> tuple[float | None, float | None]:
    """The registry's coordinates: the building's, else its estate's (a case's building is in its estate)."""
    for place in (case.building if case.building_id else None, case.estate if case.estate_id else None):
        if place is not None and place.latitude is not None and place.longitude is not None:
            return float(place.latitude), float(place.longitude)
    return None, None


def _paged(request, cases):
    """The pagination extension: `page` (from 1) and `page_size` (at most 1000, the default)."""
    size, page = _positive(request, "page_size", MAX_RESULTS), _positive(request, "page", 1)
    if size > MAX_RESULTS:
        raise Open311Error("page_size", _("每页最多 %(max)s 条。") % {"max": MAX_RESULTS})
    return cases[(page - 1) * size : page * size]


def _positive(request, name: str, default: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        raise Open311Error(name, _("必须是正整数。"))
    return int(raw)


def _coordinate(request, name: str, limit: int) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not -limit <= value <= limit or value != value:
        raise Open311Error(name, _("坐标格式不对（WGS84 十进制度数）。"))
    return value


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two points (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _nearest_place(request, account) -> dict | None:
    """With lat and long but no address_id: the registry's nearest building (its own or its estate's
    coordinates) within 1 km. None when no coordinates were sent."""
    lat, lon = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise Open311Error("lat" if lat is None else "long", _("lat 和 long 要一起提供。"))
    buildings = (
        buildings_for(account)
        .select_related("estate__neighbourhood")
        .filter(
            Q(latitude__isnull=False, longitude__isnull=False)
            | Q(estate__latitude__isnull=False, estate__longitude__isnull=False)
        )
    )
    best = min(buildings, key=lambda b: _distance((lat, lon), b.location), default=None)
    if best is None or _distance((lat, lon), best.location) > NEAREST_WITHIN_METRES:
        raise Open311Error("lat", _("该位置附近 1 公里内没有登记的楼栋，请提供 address_id 或 attribute[estate]。"))
    estate = best.estate
    return {"building": best, "estate": estate, "neighbourhood": estate.neighbourhood, "_field": "lat"}


def _definition(category: Category, fmt: str) -> HttpResponse:
    """A service definition as the standard shapes it: one object (no list), no attributes (metadata false)."""
    if fmt == "xml":
        top = ElementTree.Element("service_definition")
        ElementTree.SubElement(top, "service_code").text = str(category.pk)
        ElementTree.SubElement(top, "attributes")
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return JsonResponse({"service_code": str(category.pk), "attributes": []})


def _discovery_data(request) -> dict:
    root = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    return {
        "changeset": CHANGESET,
        "contact": _("%(office)s办事处，经 12345 热线转办") % {"office": settings.SUBDISTRICT_NAME},
        "key_service": _("api_key 由街道工作人员在“接口服务账号”页（/api/tokens/）发放。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


@open311_view(["GET", "HEAD"])
def discovery(request, fmt: str):
    """Service discovery: where the GeoReport v2 endpoint is, which formats it speaks, how to get a key."""
    data = _discovery_data(request)
    if fmt == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    top = ElementTree.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ElementTree.SubElement(top, key).text = data[key]
    endpoints = ElementTree.SubElement(top, "endpoints")
    for endpoint in data["endpoints"]:
        element = ElementTree.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ElementTree.SubElement(element, key).text = endpoint[key]
        formats = ElementTree.SubElement(element, "formats")
        for value in endpoint["formats"]:
            ElementTree.SubElement(formats, "format").text = value
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(top, encoding="utf-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _media_url(request) -> str:
    raw = request.POST.get("media_url", "").strip()
    try:
        return attachment_services.checked_link(raw) if raw else ""
    except attachment_services.AttachmentError as error:
        raise Open311Error("media_url", error.message) from None
