"""Canary sweep: residents with distinctive names and numbers, asked for on every page, partial, JSON endpoint,
export and report as every role. A canary's digits appear nowhere in full (the only way to them is a recorded reveal
or an export recorded like one); a name appears only to whom its resident is visible.

Like the URL sweep, the URLs come from the resolver: a URL added later is swept without anyone adding it here.
"""

import contextlib
import io
import json
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cases.merging import complainant_add
from cases.models import PersonalDataAccess
from cases.personal import to_ascii_digits
from cases.services import case_transition, case_update
from ops.privacy import EXPORT_FIELD
from tests.conftest import make_case
from tests.security.test_url_sweep import EXPECTED, ROLES, all_patterns, is_admin, kwargs_for, named


@dataclass(frozen=True)
class Canary:
    name: str
    numbers: tuple[str, ...]  # digits that must never appear in full
    seen_by: frozenset[str]  # roles that may see the name


def _digits(text: str) -> str:
    """Body text with digits made ASCII and the separators people type inside numbers removed."""
    text = to_ascii_digits(text)
    return re.sub(r"(?<=\d)[\s\-\u00a0\u3000()（）]+(?=\d)", "", text)


def _text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if body[:2] == b"PK":  # an XLSX: every XML part of it
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
            )
    text = body.decode("utf-8", "replace")
    if "json" in kind:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


@pytest.fixture
def canaries(world, staff_user, other_neighbourhood, noise_category):
    hood, category = world["neighbourhood"], world["category"]
    plain = make_case(
        staff_user,
        neighbourhood=hood,
        category=category,
        estate=world["estate"],
        reporter_name="柏青雅",
        reporter_phone="139 8765 0123",
        description="居民反映电梯故障。回电 021-64331188，身份证 310101198001017777。",
    )
    case_update(
        case_id=plain.pk, actor=staff_user, expected_version=plain.version, data={"reporter_phone": "13911112222"}
    )
    hidden = make_case(
        staff_user,
        neighbourhood=hood,
        category=category,
        reporter_name="窦紫萱",
        reporter_phone="62187755",
        description="独居老人家中漏水，联系电话：62189999。",
    )
    hidden.refresh_from_db()
    case_update(
        case_id=hidden.pk,
        actor=staff_user,
        expected_version=hidden.version,
        data={"reporter_confidential": True, "reporter_phone": "１３７０２２４４６６８", "reporter_name": "窦紫萱"},
    )
    case_transition(case_id=hidden.pk, actor=staff_user, action="note", note="已电话联系 13702244668，约明日上门。")
    elsewhere = make_case(
        staff_user,
        neighbourhood=other_neighbourhood,
        category=noise_category,
        reporter_name="韩墨池",
        reporter_phone="136-5555-4444",
    )
    # A co-complainant of the first case (并单), confidential, with a number in their own words.
    complainant_add(
        case_id=plain.pk,
        actor=staff_user,
        name="祁若溪",
        phone="135 6666 7777",
        description="我是同楼住户，回电 62185555。",
        confidential=True,
    )
    everyone_inside = frozenset({"committee", "staff", "superuser"})
    return {
        "plain": (
            plain,
            Canary(
                "柏青雅",
                ("13987650123", "13911112222", "02164331188", "64331188", "310101198001017777"),
                everyone_inside,
            ),
        ),
        "hidden": (
            hidden,
            Canary("窦紫萱", ("62187755", "13702244668", "62189999"), frozenset({"staff", "superuser"})),
        ),
        "co-complainant": (plain, Canary("祁若溪", ("13566667777", "62185555"), frozenset({"staff", "superuser"}))),
        "elsewhere": (
            elsewhere,
            Canary("韩墨池", ("13655554444",), frozenset({"other_committee", "staff", "superuser"})),
        ),
    }


def _urls(world, canaries) -> list[str]:
    """Every GET URL of the project, filled with each canary's case where it takes a case, plus the downloads in
    each of their formats."""
    urls = []
    for pattern in named(all_patterns()):
        row = EXPECTED.get(pattern.name)
        if is_admin(pattern.name) or row is None or row.method != "GET":
            continue
        for case, _canary in canaries.values():
            url = reverse(pattern.name, kwargs=kwargs_for(pattern, {**world, "case": case}))
            if url not in urls:
                urls.append(url)
    urls += [reverse("cases:export") + "?format=xlsx", reverse("cases:list") + "?q=电梯"]
    # The Django admin is no side door either: every model's list, and each canary's case and timeline there.
    urls += [reverse(p.name) for p in named(all_patterns()) if is_admin(p.name) and p.name.endswith("_changelist")]
    urls += [reverse("admin:cases_case_change", args=[case.pk]) for case, _canary in canaries.values()]
    urls += [reverse("open311:requests", kwargs={"fmt": "xml"})]
    urls += [url.replace(".json", ".xml") for url in urls if url.startswith("/open311/") and url.endswith(".json")]
    return urls


def test_no_canary_leaks_on_any_url_for_any_role(world, canaries):
    users = world["users"]
    exporter = users["superuser"]  # holds every permission, the personal-data export included
    assert exporter.has_perm("cases.export_personal_data")
    leaks, checked = [], 0
    urls = _urls(world, canaries)
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(users[role])
        for url in urls:
            with transaction.atomic():
                before = PersonalDataAccess.objects.count()
                response = client.get(url)
                recorded = (
                    set(PersonalDataAccess.objects.order_by("pk")[before:].values_list("case_id", "field"))
                    if PersonalDataAccess.objects.count() > before
                    else set()
                )
                transaction.set_rollback(True)
            text = _text_of(response)
            digits = _digits(text)
            for case, canary in canaries.values():
                checked += 1
                if canary.name in text and role not in canary.seen_by:
                    leaks.append(f"{role} {url}: the name {canary.name}")
                for number in canary.numbers:
                    if number in digits and (case.pk, EXPORT_FIELD) not in recorded:
                        leaks.append(f"{role} {url}: the number {number} in full, unrecorded")
    assert not leaks, "\n".join(leaks)
    print(f"canary sweep: {len(urls)} URLs x {len(ROLES)} roles x {len(canaries)} canaries = {checked} checks")


def test_a_full_export_is_recorded_as_a_reveal_of_each_resident(world, canaries, staff_user):
    staff_user.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    client = Client()
    client.force_login(staff_user)
    response = client.get(reverse("cases:export"), {"format": "csv"})
    assert "13911112222" in _digits(_text_of(response))
    recorded = set(
        PersonalDataAccess.objects.filter(user=staff_user, field=EXPORT_FIELD).values_list("case", flat=True)
    )
    assert {case.pk for case, _canary in canaries.values()} <= recorded


def test_the_timeline_shows_a_changed_phone_masked_and_a_hidden_residents_changes_not_at_all(
    world, canaries, committee_user
):
    client = Client()
    client.force_login(committee_user)
    plain, hidden = canaries["plain"][0], canaries["hidden"][0]
    page = client.get(reverse("cases:detail", args=[plain.pk])).content.decode()
    assert "139****0123" in page and "139****2222" in page
    page = client.get(reverse("cases:detail", args=[hidden.pk])).content.decode()
    assert "窦紫萱" not in page and "2244668" not in _digits(page) and "7755" not in _digits(page)
    assert "（保密）" in page
