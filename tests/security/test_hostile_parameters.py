"""Every URL of the project, asked with hostile values, answers without a server error.

Like the URL sweep, the patterns are collected from the resolver: a URL added later is asked too. Each GET URL is
asked with every query parameter the project reads set to dates at the edges, Unicode digits, huge numbers, very long
strings and control characters, and each numeric path parameter is replaced by a number past any database's integer.
A 500 anywhere fails the test with the URL that caused it.
"""

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security.test_url_sweep import EXPECTED, all_patterns, is_admin, kwargs_for, named

# Every query parameter a view of the project reads (filters, dashboards, Open311, previews, pagination).
PARAMETERS = [
    "q",
    "page",
    "page_size",
    "sort",
    "format",
    "status",
    "category",
    "group",
    "neighbourhood",
    "estate",
    "building",
    "channel",
    "request_type",
    "urgency",
    "team",
    "assignee",
    "lead_department",
    "method",
    "overdue",
    "received_from",
    "received_to",
    "resolved_from",
    "resolved_to",
    "after",
    "before",
    "period",
    "month",
    "year",
    "start",
    "end",
    "start_date",
    "end_date",
    "service_code",
    "service_request_id",
    "api_key",
    "case",
    "title",
    "description",
    "kind",
    "decision",
    "next",
    "class",
    "matter_class",
    "members",
    "limit",
    "offset",
]


def _form_parameters() -> set[str]:
    """The fields of every filter and period form, so that a parameter added to one is asked too."""
    from cases.filters import CaseFilter
    from dashboards import forms as dashboard_forms

    names = set(CaseFilter.base_filters)
    for form in vars(dashboard_forms).values():
        if isinstance(form, type) and hasattr(form, "base_fields"):
            names.update(form.base_fields)
    return names


PARAMETERS = sorted(set(PARAMETERS) | _form_parameters())
HOSTILE = {
    "far future": "9999-12-31",
    "year one": "0001-01-01",
    "far datetime": "9999-12-31T23:59:59Z",
    "superscript digit": "²",
    "full-width digits": "１２３",
    "huge number": "9" * 40,
    "negative": "-1",
    # A URL longer than a few kilobytes never reaches the app (gunicorn's request line limit is 4,094 bytes);
    # 4,000 characters of text is past every field's limit and past that bound.
    "long text": "电梯" * 2000,
    "many words": " ".join(f"词{i}" for i in range(1000)),
    "control characters": "a\x00b\x1fc\x0b",
    "markup": "<script>alert(1)</script>'\"",
}
HUGE_ID = str(2**64)
# One parameter at a time, the values that break a parser (the text values are asked all at once above).
ONE_AT_A_TIME = {label: HOSTILE[label] for label in ("far future", "year one", "superscript digit", "huge number")}


def _get_patterns():
    return [
        pattern
        for pattern in named(all_patterns())
        if not is_admin(pattern.name) and EXPECTED.get(pattern.name) and EXPECTED[pattern.name].method == "GET"
    ]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def askers(world):
    users = world["users"]
    return {"anonymous": None, "committee": users["committee"], "staff": users["staff"]}


@pytest.fixture
def keys_read(monkeypatch):
    """Record the query keys views read: QueryDict.get, getlist, [] and `in` (forms, filters, Open311 all use them)."""
    seen = set()
    for name in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(QueryDict, name)

        def spy(self, key, *args, _original=original, **kwargs):
            seen.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, name, spy)
    return seen


def _ask(client, url, params) -> int:
    with transaction.atomic():
        response = client.get(url, params)
        transaction.set_rollback(True)
    return response.status_code


def test_no_query_parameter_value_makes_a_server_error(world, askers, keys_read):
    """Every GET URL, as each role, with every parameter at once set to each hostile value; then, on each URL, each
    parameter the view was seen to read, alone: a form that rejects one bad field must not hide another's crash."""
    errors, asked = [], 0
    for pattern in _get_patterns():
        url = reverse(pattern.name, kwargs=kwargs_for(pattern, world))
        keys_read.clear()
        for role, user in askers.items():
            client = _client(user)
            _ask(client, url, dict.fromkeys(PARAMETERS, "1"))  # bound forms read their fields
            for label, value in HOSTILE.items():
                status = _ask(client, url, dict.fromkeys(PARAMETERS, value))
                asked += 1
                if status >= 500:
                    errors.append(f"{role} GET {url} with every parameter = {label}: {status}")
        read = sorted(key for key in keys_read if isinstance(key, str) and not key.startswith(("csrf", "HTTP_")))
        client = _client(askers["staff"])
        for name in read:
            for label, value in ONE_AT_A_TIME.items():
                status = _ask(client, url, {name: value})
                asked += 1
                if status >= 500:
                    errors.append(f"staff GET {url}?{name}={label}: {status}")
    assert not errors, "\n".join(errors[:60])
    print(f"hostile parameters: {asked} requests, {len(errors)} server errors")


def test_no_posted_value_makes_a_server_error(world, keys_read):
    """Every POST URL (forms, moves, decisions, the API's writes), as staff, with every field at once set to each
    hostile value, then each field the view was seen to read, alone. Writes are rolled back after each request."""
    from tests.security.test_url_sweep import API_PAGES_FOR_PEOPLE

    errors, asked = [], 0
    client = _client(world["users"]["staff"])
    for pattern in named(all_patterns()):
        row = EXPECTED.get(pattern.name)
        if is_admin(pattern.name) or row is None or row.method != "POST" or pattern.name == "logout":
            continue
        url = reverse(pattern.name, kwargs=kwargs_for(pattern, world))
        as_json = pattern.name.startswith("api:") and pattern.name not in API_PAGES_FOR_PEOPLE

        def send(data, url=url, as_json=as_json):
            with transaction.atomic():
                if as_json:
                    response = client.post(url, data, content_type="application/json")
                else:
                    response = client.post(url, data)
                transaction.set_rollback(True)
            return response.status_code

        keys_read.clear()
        send(dict.fromkeys(PARAMETERS, "1"))
        for label, value in HOSTILE.items():
            asked += 1
            if (status := send(dict.fromkeys(PARAMETERS, value))) >= 500:
                errors.append(f"POST {url} with every field = {label}: {status}")
        read = sorted(key for key in keys_read if isinstance(key, str) and not key.startswith(("csrf", "HTTP_")))
        for name in read:
            for label, value in ONE_AT_A_TIME.items():
                asked += 1
                if (status := send({name: value})) >= 500:
                    errors.append(f"POST {url} {name}={label}: {status}")
    assert not errors, "\n".join(errors[:60])
    print(f"hostile posted values: {asked} requests, {len(errors)} server errors")


def test_no_path_number_makes_a_server_error(world, askers):
    errors, asked = [], 0
    for pattern in named(all_patterns()):
        if is_admin(pattern.name) or not pattern.params:
            continue
        row = EXPECTED.get(pattern.name)
        kwargs = kwargs_for(pattern, world)
        for param in pattern.params:
            for value in (HUGE_ID, "0", "²"):
                try:
                    url = reverse(pattern.name, kwargs={**kwargs, param: value})
                except NoReverseMatch:
                    continue  # the route's converter refuses the value: Django answers 404 itself
                for role, user in askers.items():
                    client = _client(user)
                    with transaction.atomic():
                        response = client.post(url, {}) if row.method == "POST" else client.get(url)
                        transaction.set_rollback(True)
                    asked += 1
                    if response.status_code >= 500:
                        errors.append(f"{role} {row.method} {url}: {response.status_code}")
    assert not errors, "\n".join(errors)
    print(f"hostile path numbers: {asked} requests, {len(errors)} server errors")
