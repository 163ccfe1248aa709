"""Every URL of the project, requested as every role, answers the status this table decides.

The table is explicit and keyed by URL name: a URL added without a line here fails the suite,
so nobody ships a page without deciding who may open it. Django admin's own URLs follow one rule
(superusers only), applied to each of them. Anonymous visitors are sent to sign in (API and Open311
answer 401/403) unless the URL is in the small PUBLIC allowlist.
"""

from dataclasses import dataclass
from urllib.parse import urlparse

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Category

ROLES = ("anonymous", "committee", "other_committee", "staff", "handbook", "superuser")
LOGIN = "login"  # a redirect to the sign-in page, with ?next=
ADMIN_LOGIN = "admin-login"  # a redirect to the admin's own sign-in page

# Reachable without signing in. Everything else must send an anonymous visitor away.
PUBLIC = {
    "login",
    "set_language",
    "healthz",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "open311:discovery",
    "track:lookup",  # the resident's progress lookup: reference + last four phone digits
    "track:visit",  # the resident's single-use return-visit link
    "admin:login",
    "admin:jsi18n",
    "api:not_found",  # the JSON 404 for any other path under /api/: it reveals nothing
    "attachments:public",  # a photo staff published for Open311, by its unguessable key
}


# Under /api/ but pages for people, not JSON: they redirect like every other page.
API_PAGES_FOR_PEOPLE = {
    "api:docs",
    "api:service_accounts",
    "api:service_account_create",
    "api:token_issue",
    "api:token_revoke",
}


@dataclass(frozen=True)
class Row:
    """Expected status per role; `method` is how the URL is asked (POST-only views get an empty POST)."""

    anonymous: object
    committee: object
    other_committee: object
    staff: object
    handbook: object
    superuser: object
    method: str = "GET"


def get(anonymous, committee, other_committee, staff, handbook, superuser) -> Row:
    return Row(anonymous, committee, other_committee, staff, handbook, superuser)


def post(anonymous, committee, other_committee, staff, handbook, superuser) -> Row:
    return Row(anonymous, committee, other_committee, staff, handbook, superuser, method="POST")


# Roles: anonymous, committee of the objects' neighbourhood, committee of ANOTHER neighbourhood,
# street-office staff, handbook (methods) admin, superuser. `other_committee` opens objects of the
# first neighbourhood: scoped objects must answer 404 to it.
EXPECTED: dict[str, Row] = {
    # accounts
    "home": get(LOGIN, 200, 200, 200, 200, 200),
    "login": get(200, 302, 302, 302, 302, 302),
    "logout": post(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "password_change": get(LOGIN, 200, 200, 200, 200, 200),
    "password_change_done": get(LOGIN, 200, 200, 200, 200, 200),
    "set_language": get(302, 302, 302, 302, 302, 302),
    "healthz": get(200, 200, 200, 200, 200, 200),
    # the case desk: committees see their own neighbourhood only; the handbook admin has no desk role
    "cases:list": get(LOGIN, 200, 200, 200, 200, 200),
    "cases:export": get(LOGIN, 200, 200, 200, 200, 200),
    "cases:visit_queue": get(LOGIN, 200, 200, 200, 403, 200),
    "cases:create": get(LOGIN, 200, 200, 200, 403, 200),
    "cases:estate_options": get(LOGIN, 200, 200, 200, 200, 200),
    "cases:building_options": get(LOGIN, 200, 200, 200, 200, 200),
    "cases:detail": get(LOGIN, 200, 404, 200, 404, 200),
    "cases:edit": get(LOGIN, 200, 404, 200, 403, 200),
    "cases:move": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:reveal_phone": post(LOGIN, 200, 404, 200, 404, 200),
    "cases:extension_request": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:extension_decide": post(LOGIN, 403, 404, 400, 404, 400),
    # the printed work order, visit sheet and batch print: scoped like the case
    "printing:work_order": get(LOGIN, 200, 404, 200, 404, 200),
    "printing:visit_sheet": get(LOGIN, 200, 404, 200, 404, 200),
    "printing:batch": get(LOGIN, 200, 200, 200, 200, 200),
    # attachments: files only through views that check the case's scoping; writes need a desk role
    "attachments:upload": post(LOGIN, 302, 404, 302, 404, 302),
    "attachments:download": get(LOGIN, 200, 404, 200, 404, 200),
    "attachments:thumbnail": get(LOGIN, 200, 404, 200, 404, 200),
    # (the committee member did not upload it: refused; staff delete it, so the superuser then finds none)
    "attachments:delete": post(LOGIN, 302, 404, 302, 404, 404),
    "attachments:publish": post(LOGIN, 302, 404, 302, 404, 302),
    "attachments:public": get(200, 200, 200, 200, 200, 200),
    # 并单, 拆单 and co-complainants (issue 16): an empty form is refused; unmerge is for staff only
    "cases:merge": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:unmerge": post(LOGIN, 403, 404, 400, 404, 400),
    "cases:split": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:complainant_add": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:join": post(LOGIN, 400, 404, 400, 404, 400),
    "cases:resident_visit": post(LOGIN, 400, 404, 400, 404, 400),
    "imports:upload": get(LOGIN, 403, 403, 200, 403, 200),
    "imports:commit": post(LOGIN, 403, 403, 302, 403, 302),
    "places:estate": get(LOGIN, 200, 404, 200, 404, 200),
    "places:building": get(LOGIN, 200, 404, 200, 404, 200),
    # the methods handbook: everyone reads, the handbook admin writes
    "methods:index": get(LOGIN, 200, 200, 200, 200, 200),
    "methods:create": get(LOGIN, 403, 403, 403, 200, 200),
    "methods:print": get(LOGIN, 200, 200, 200, 200, 200),
    "methods:detail": get(LOGIN, 200, 200, 200, 200, 200),
    "methods:edit": get(LOGIN, 403, 403, 403, 200, 200),
    "methods:history": get(LOGIN, 200, 200, 200, 200, 200),
    "methods:restore": post(LOGIN, 403, 403, 403, 302, 302),
    # classes of matters and similar cases: staff decide; committees read, members filtered to their cases
    "matters:class_list": get(LOGIN, 200, 200, 200, 200, 200),
    "matters:class_detail": get(LOGIN, 200, 200, 200, 404, 200),
    "matters:class_edit": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_decide": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_route": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_merge": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_split": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_batch": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_merge_matter": post(LOGIN, 403, 403, 302, 404, 302),
    "matters:class_screen": get(LOGIN, 403, 403, 200, 404, 200),
    "matters:member_step": post(LOGIN, 403, 403, 302, 403, 302),
    "matters:case_similar": get(LOGIN, 200, 404, 200, 404, 200),
    "matters:similar_preview": get(LOGIN, 200, 200, 200, 200, 200),
    "matters:link_decide": post(LOGIN, 403, 403, 302, 403, 302),
    # dashboards: a committee is sent to its own neighbourhood's page
    "dashboards:overview": get(LOGIN, 302, 302, 200, 403, 200),
    "dashboards:neighbourhood": get(LOGIN, 200, 404, 200, 403, 200),
    "dashboards:report": get(LOGIN, 200, 200, 200, 403, 200),
    "dashboards:report_xlsx": get(LOGIN, 200, 200, 200, 403, 200),
    # the REST API (session or token): JSON 401/403, scoped like the pages
    "api:case-list": get(401, 200, 200, 200, 403, 200),
    "api:case-detail": get(401, 200, 404, 200, 403, 200),
    "api:case-move": post(401, 400, 404, 400, 403, 400),
    "api:case-extension": post(401, 400, 404, 400, 403, 400),
    "api:case-extension-decide": post(401, 403, 404, 400, 403, 400),
    "api:case-merge": post(401, 400, 404, 400, 403, 400),
    "api:case-unmerge": post(401, 403, 404, 400, 403, 400),
    "api:case-split": post(401, 400, 404, 400, 403, 400),
    "api:case-complainants": post(401, 400, 404, 400, 403, 400),
    "api:category-list": get(401, 200, 200, 200, 200, 200),
    "api:category-detail": get(401, 200, 200, 200, 200, 200),
    "api:channel-list": get(401, 200, 200, 200, 200, 200),
    "api:channel-detail": get(401, 200, 200, 200, 200, 200),
    "api:request-type-list": get(401, 200, 200, 200, 200, 200),
    "api:request-type-detail": get(401, 200, 200, 200, 200, 200),
    "api:department-list": get(401, 200, 200, 200, 200, 200),
    "api:department-detail": get(401, 200, 200, 200, 200, 200),
    "api:method-list": get(401, 200, 200, 200, 200, 200),
    "api:method-detail": get(401, 200, 200, 200, 200, 200),
    "api:neighbourhood-list": get(401, 200, 200, 200, 403, 200),
    "api:neighbourhood-detail": get(401, 200, 404, 200, 403, 200),
    "api:estate-list": get(401, 200, 200, 200, 403, 200),
    "api:estate-detail": get(401, 200, 404, 200, 403, 200),
    "api:building-list": get(401, 200, 200, 200, 403, 200),
    "api:building-detail": get(401, 200, 404, 200, 403, 200),
    "api:case-similar": get(401, 200, 404, 200, 404, 200),
    "api:case-attachments": get(401, 200, 404, 200, 403, 200),
    "api:class-list": get(401, 200, 200, 200, 200, 200),
    "api:class-detail": get(401, 200, 200, 200, 404, 200),
    "api:schema": get(401, 200, 200, 200, 200, 200),
    "api:docs": get(LOGIN, 200, 200, 200, 200, 200),
    "api:not_found": get(404, 404, 404, 404, 404, 404),
    "api:service_accounts": get(LOGIN, 403, 403, 200, 403, 200),
    "api:service_account_create": post(LOGIN, 403, 403, 400, 403, 400),
    "api:token_issue": post(LOGIN, 403, 403, 200, 403, 200),
    "api:token_revoke": post(LOGIN, 403, 403, 302, 403, 302),
    # notifications: everyone signed in has a centre; a notification is its owner's (the committee's) alone
    "notifications:list": get(LOGIN, 200, 200, 200, 200, 200),
    "notifications:read": post(LOGIN, 302, 404, 404, 404, 404),
    "notifications:read_all": post(LOGIN, 302, 302, 302, 302, 302),
    "notifications:settings": get(LOGIN, 200, 200, 200, 200, 200),
    "api:notification-list": get(401, 200, 200, 200, 200, 200),
    "api:notification-read": post(401, 200, 404, 404, 404, 404),
    # early warnings: scoped like cases; staff turn them into classes and topics
    "alerts:list": get(LOGIN, 200, 200, 200, 403, 200),
    "alerts:detail": get(LOGIN, 200, 404, 200, 403, 200),
    "alerts:acknowledge": post(LOGIN, 302, 404, 302, 403, 302),
    "alerts:to_class": post(LOGIN, 403, 403, 302, 403, 302),
    "alerts:topic": post(LOGIN, 403, 403, 302, 403, 302),
    "api:warning-list": get(401, 200, 200, 200, 403, 200),
    # Open311 GeoReport v2: public reading, no personal data (tests/api checks the bodies)
    "open311:services": get(200, 200, 200, 200, 200, 200),
    "open311:service": get(200, 200, 200, 200, 200, 200),
    "open311:requests": get(200, 200, 200, 200, 200, 200),
    "open311:request": get(200, 200, 200, 200, 200, 200),
    "open311:discovery": get(200, 200, 200, 200, 200, 200),
    # residents' pages (no sign-in) and the lookup panel on a case page, scoped like the case
    "track:lookup": get(200, 200, 200, 200, 200, 200),
    "track:visit": get(404, 404, 404, 404, 404, 404),  # filled with a token that exists nowhere
    "track:case_panel": get(LOGIN, 200, 404, 200, 404, 200),
}


# --- collecting the patterns -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None
    route: str
    params: tuple[str, ...]


def _walk(patterns, namespace: str = "", route: str = "", params: tuple = ()):
    for item in patterns:
        groups = params + tuple(item.pattern.regex.groupindex)
        if isinstance(item, URLResolver):
            inner = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _walk(item.url_patterns, inner, route + str(item.pattern), groups)
        elif isinstance(item, URLPattern):
            yield Pattern(f"{namespace}{item.name}" if item.name else None, route + str(item.pattern), groups)


def all_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


ADMIN_SITE_PAGES = {
    "admin:index",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:app_list",
    "admin:autocomplete",
    "admin:view_on_site",
}


def admin_row(name: str) -> Row:
    """Django admin: superusers only (nobody else has is_staff); anonymous visitors go to sign in."""
    denied = ADMIN_LOGIN
    # The admin site's own pages send an anonymous visitor to the admin sign-in; model pages to ours.
    site = ADMIN_LOGIN if name in ADMIN_SITE_PAGES else LOGIN
    if name == "admin:login":
        return get(200, 200, 200, 200, 200, 302)
    if name == "admin:logout":
        return post(ADMIN_LOGIN, 302, 302, 302, 302, LOGIN)
    if name == "admin:view_on_site":  # Category has no page of its own
        return get(site, denied, denied, denied, denied, 404)
    if name == "admin:autocomplete":  # without its query parameters
        return get(site, denied, denied, denied, denied, 403)
    if name in ADMIN_SITE_PAGES:
        return get(site, denied, denied, denied, denied, 200)
    if name.startswith(("admin:axes_", "admin:cases_personaldataaccess_", "admin:track_")) and name.endswith(
        ("_add", "_delete")
    ):
        # Audit logs are read-only, even for superusers (axes allows deleting its own lockouts).
        allowed = 200 if name.startswith("admin:axes_") and name.endswith("_delete") else 403
        return get(LOGIN, denied, denied, denied, denied, allowed)
    if name.endswith(("_change", "_delete", "_history")) and _admin_object(name) is None:
        # No such object in the world: the admin sends a superuser back to its index with a message.
        return get(LOGIN, denied, denied, denied, denied, 302)
    return get(LOGIN, denied, denied, denied, denied, 200)


# --- the objects the URLs are filled with ---------------------------------------------------------


def kwargs_for(pattern: Pattern, world: dict) -> dict:
    """Fill each path parameter with the id of an object that exists."""
    name = pattern.name
    owner = {
        "cases:detail": "case",
        "cases:edit": "case",
        "cases:move": "case",
        "cases:reveal_phone": "case",
        "cases:extension_request": "case",
        "cases:extension_decide": "extension",
        "printing:work_order": "case",
        "printing:visit_sheet": "case",
        "attachments:upload": "case",
        "attachments:download": "attachment",
        "attachments:thumbnail": "attachment",
        "attachments:delete": "attachment",
        "attachments:publish": "attachment",
        "api:case-attachments": "case",
        "cases:merge": "case",
        "cases:unmerge": "case",
        "cases:split": "case",
        "cases:complainant_add": "case",
        "cases:join": "case",
        "cases:resident_visit": "case",
        "api:case-merge": "case",
        "api:case-unmerge": "case",
        "api:case-split": "case",
        "api:case-complainants": "case",
        "places:estate": "estate",
        "places:building": "building",
        "methods:detail": "method",
        "methods:edit": "method",
        "methods:history": "method",
        "methods:restore": "method",
        "dashboards:neighbourhood": "neighbourhood",
        "matters:class_detail": "matter_class",
        "matters:class_edit": "matter_class",
        "matters:class_decide": "matter_class",
        "matters:class_route": "matter_class",
        "matters:class_merge": "matter_class",
        "matters:class_split": "matter_class",
        "matters:class_batch": "matter_class",
        "matters:class_merge_matter": "matter_class",
        "matters:class_screen": "matter_class",
        "matters:member_step": "membership",
        "matters:case_similar": "case",
        "track:case_panel": "case",
        "matters:link_decide": "link",
        "api:case-detail": "case",
        "api:case-similar": "case",
        "api:class-detail": "matter_class",
        "api:case-move": "case",
        "api:case-extension": "case",
        "api:case-extension-decide": "case",
        "api:category-detail": "category",
        "api:channel-detail": "channel",
        "api:request-type-detail": "request_type",
        "api:department-detail": "department",
        "api:method-detail": "method",
        "api:neighbourhood-detail": "neighbourhood",
        "api:estate-detail": "estate",
        "api:building-detail": "building",
        "notifications:read": "notification",
        "api:notification-read": "notification",
        "alerts:detail": "warning",
        "alerts:acknowledge": "warning",
        "alerts:to_class": "warning",
        "alerts:topic": "warning",
    }
    kwargs = {}
    for param in pattern.params:
        if param == "pk":
            kwargs["pk"] = world[owner[name]].pk
        elif param == "history_id":
            kwargs["history_id"] = world["method_version"].history_id
        elif param == "user_id":
            kwargs["user_id"] = world["service_account"].pk
        elif param == "key":
            kwargs["key"] = world["public_photo"].public_key
        elif param == "fmt":
            kwargs["fmt"] = "json"
        elif param == "code":
            kwargs["code"] = str(world["category"].pk)
        elif param == "token":
            kwargs["token"] = "0" * 40
        elif param == "request_id":
            kwargs["request_id"] = world["case"].reference
        elif param == "app_label":
            kwargs["app_label"] = "cases"
        elif param == "id" and name == "admin:auth_user_password_change":
            kwargs["id"] = str(world["users"]["staff"].pk)
        elif param == "content_type_id":
            kwargs["content_type_id"] = ContentType.objects.get_for_model(Category).pk
        elif param == "object_id" and name == "admin:view_on_site":
            kwargs["object_id"] = world["category"].pk
        elif param == "object_id" and is_admin(name):
            obj = _admin_object(name)
            kwargs["object_id"] = str(obj.pk) if obj else "0"  # none made: the admin answers "not found"
        else:
            raise AssertionError(f"the sweep does not know how to fill <{param}> of {name}: add it to kwargs_for")
    return kwargs


def _admin_object(name: str):
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model._default_manager.order_by("pk").first()
    return None


# --- asking ----------------------------------------------------------------------------------------


def url_for(pattern: Pattern, world: dict) -> str:
    if pattern.name.endswith("_simple_history"):  # django-simple-history: two positional groups
        obj = _admin_object(pattern.name.removesuffix("simple_history") + "change")
        return reverse(pattern.name, args=[obj.pk, obj.history.order_by("history_id").first().history_id])
    return reverse(pattern.name, kwargs=kwargs_for(pattern, world))


def ask(client: Client, pattern: Pattern, row: Row, world: dict):
    url = url_for(pattern, world)
    if row.method == "POST" and pattern.name.startswith("api:") and pattern.name not in API_PAGES_FOR_PEOPLE:
        return url, client.post(url, {}, content_type="application/json")
    if row.method == "POST":
        return url, client.post(url, {})
    return url, client.get(url)


def outcome(response, url: str):
    """The status, or LOGIN / ADMIN_LOGIN for a redirect to one of the sign-in pages."""
    if response.status_code == 302:
        target = urlparse(response["Location"])
        if target.path == reverse("login"):
            return LOGIN
        if target.path == reverse("admin:login"):
            return ADMIN_LOGIN
    return response.status_code


def clients(world: dict) -> dict[str, Client]:
    # A crash is recorded as a 500 in the table's comparison instead of stopping the sweep.
    result = {"anonymous": Client(raise_request_exception=False)}
    for role, user in world["users"].items():
        result[role] = Client(raise_request_exception=False)
        result[role].force_login(user)
    return result


def named(patterns):
    return [pattern for pattern in patterns if pattern.name]


def test_every_named_url_has_a_decision_in_the_table():
    names = {pattern.name for pattern in named(all_patterns()) if not is_admin(pattern.name)}
    missing = sorted(names - set(EXPECTED))
    assert not missing, f"URLs without a line in EXPECTED (decide who may open them): {missing}"
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"lines in EXPECTED for URLs that no longer exist: {stale}"


def test_unnamed_urls_are_only_the_admins_own_redirects():
    unnamed = [pattern.route for pattern in all_patterns() if not pattern.name]
    assert all(route.startswith("admin/") for route in unnamed), unnamed


def test_anonymous_visitors_are_sent_to_sign_in_except_on_public_urls():
    for name, row in EXPECTED.items():
        if name in PUBLIC:
            continue
        if name.startswith(("api:", "open311:")) and name not in API_PAGES_FOR_PEOPLE:
            assert row.anonymous in (401, 403), f"{name}: the API must answer 401/403 to an anonymous caller"
        else:
            assert row.anonymous == LOGIN, f"{name} is not public: anonymous visitors must be sent to sign in"


def sweep(patterns: list[Pattern], world: dict, row_for) -> tuple[list[str], int]:
    """Ask every pattern as every role; each URL's writes are rolled back before the next URL."""
    mismatches, asked = [], 0
    for pattern in patterns:
        row = row_for(pattern.name)
        if row is None:
            mismatches.append(f"{pattern.name}: no line in EXPECTED")
            continue
        found, wanted = {}, {}
        with transaction.atomic():
            by_role = clients(world)  # fresh sessions: an earlier URL may have signed a client out
            for role, client in by_role.items():
                url, response = ask(client, pattern, row, world)
                found[role], wanted[role] = outcome(response, url), getattr(row, role)
                asked += 1
            transaction.set_rollback(True)
        if found != wanted:
            diff = ", ".join(
                f"{role}: {found[role]} (expected {wanted[role]})" for role in ROLES if found[role] != wanted[role]
            )
            mismatches.append(f"{pattern.name} {row.method} {url}: {diff}")
    return mismatches, asked


def test_every_url_answers_each_role_as_decided(world):
    patterns = [pattern for pattern in named(all_patterns()) if not is_admin(pattern.name)]
    mismatches, asked = sweep(patterns, world, EXPECTED.get)
    assert not mismatches, "\n".join(mismatches)
    assert asked == len(patterns) * len(ROLES)
    print(f"URL sweep: {len(patterns)} patterns x {len(ROLES)} roles = {asked} requests")


def test_every_admin_url_is_for_superusers_only(world):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases.models import PersonalDataAccess

    Token.objects.create(user=world["service_account"])
    PersonalDataAccess.objects.create(user=world["users"]["staff"], case=world["case"], field="reporter_phone")
    seen = {"username": "staff", "ip_address": "127.0.0.1", "user_agent": "sweep", "attempt_time": timezone.now()}
    AccessAttempt.objects.create(
        **seen, failures_since_start=1, get_data="", post_data="", http_accept="", path_info="/"
    )
    AccessLog.objects.create(**seen, http_accept="", path_info="/")
    AccessFailureLog.objects.create(**seen, http_accept="", path_info="/", locked_out=False)
    patterns = [pattern for pattern in named(all_patterns()) if is_admin(pattern.name)]
    mismatches, asked = sweep(patterns, world, admin_row)
    assert not mismatches, "\n".join(mismatches)
    print(f"admin sweep: {len(patterns)} patterns x {len(ROLES)} roles = {asked} requests")


def test_every_state_change_is_refused_without_its_csrf_token(world):
    """The pages' POSTs and the API's session-authenticated writes both need the token."""
    posts = [pattern for pattern in named(all_patterns()) if EXPECTED.get(pattern.name, get(*ROLES)).method == "POST"]
    assert posts, "the table has no POST URLs"
    for pattern in posts:
        with transaction.atomic():
            client = Client(enforce_csrf_checks=True, raise_request_exception=False)
            client.force_login(world["users"]["superuser"])
            url = url_for(pattern, world)
            if pattern.name.startswith("api:") and pattern.name not in API_PAGES_FOR_PEOPLE:
                response = client.post(url, {}, content_type="application/json")
            else:
                response = client.post(url, {})
            assert response.status_code == 403, f"{pattern.name}: {response.status_code} without a CSRF token"
            transaction.set_rollback(True)
