"""Writes of the public surface: a lookup (counted, or a failure logged and rate-limited) and online visits."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from cases.models import ANSWERED_RESULTS, Case, Status, VisitReason, VisitResult
from cases.services import CaseError, case_transition
from track.models import Lookup, LookupFailure, VisitChannel, VisitLink

FAILURE_LIMIT = 10  # failures allowed per address and per reference within the window; the next is refused
FAILURE_WINDOW = timedelta(minutes=10)
VISIT_LINK_DAYS = 15
ONLINE_VISITOR = "online-visit"


class Limited(Exception):
    """Too many failed lookups from this address or for this reference: answer 429."""


class VisitRefused(Exception):
    """The link cannot take an answer (used, expired, or the case is no longer waiting for a visit)."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.message, self.status = message, status


# --- progress lookup -----------------------------------------------------------------------------


def normalise_reference(raw: str) -> str:
    return re.sub(r"\s+", "", raw or "").upper()[:40]


def _counter_keys(address: str | None, reference: str) -> list[str]:
    digest = hashlib.sha256(reference.encode()).hexdigest()[:32]
    return [f"track:fail:addr:{address or '-'}", f"track:fail:ref:{digest}"]


def _count_failure(keys: list[str]) -> None:
    """Count one failure under each key; a key's window starts with its first failure and lasts 10 minutes."""
    seconds = int(FAILURE_WINDOW.total_seconds())
    for key in keys:
        cache.add(key, 0, timeout=seconds)
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, timeout=seconds)


def _matches(case: Case, phone_last4: str) -> bool:
    digits = re.sub(r"\D", "", case.reporter_phone or "")
    return len(digits) >= 4 and hmac.compare_digest(digits[-4:], phone_last4)


def lookup_attempt(*, reference: str, phone_last4: str, address: str | None) -> Case | None:
    """The case whose reference and phone's last four digits both match, counted as a lookup; else None,
    logged as a failure. Raises Limited while this address or reference has used up its failures."""
    reference = normalise_reference(reference)
    keys = _counter_keys(address, reference)
    case = Case.objects.select_related("category", "lead_department").filter(reference=reference).first()
    if any((cache.get(key) or 0) >= FAILURE_LIMIT for key in keys):
        LookupFailure.objects.create(address=address, reference=reference, case=case, limited=True)
        raise Limited
    if case is None or not _matches(case, phone_last4):
        _count_failure(keys)
        LookupFailure.objects.create(address=address, reference=reference, case=case)
        return None
    Lookup.objects.create(case=case)
    return case


def progress_case(case: Case) -> Case:
    """The case whose progress a lookup shows: a merged case shows its master's (issue 16's `merged_into`)."""
    seen = {case.pk}
    while getattr(case, "merged_into_id", None) and case.merged_into_id not in seen:
        seen.add(case.merged_into_id)
        case = Case.objects.get(pk=case.merged_into_id)
    return case


# --- online return visit -------------------------------------------------------------------------


def visit_token(link: VisitLink) -> str:
    """The link's secret, derived from its salt under the SECRET_KEY (so it can be shown again, never stored)."""
    return salted_hmac("track.visit-link", link.salt, algorithm="sha256").hexdigest()[:40]


def visit_path(link: VisitLink) -> str:
    """The link's path (/track/visit/<token>/), for the SMS hook and the printed work order to make absolute."""
    return reverse("track:visit", args=[visit_token(link)])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def visit_link_for(*, case: Case) -> VisitLink | None:
    """The online visit link of the case's current resolution (made on first request), or None when the
    case is not waiting for a return visit. The SMS hook, the case page and the print view all ask here."""
    if case.status != Status.RESOLVED or case.resolved_at is None:
        return None
    existing = VisitLink.objects.filter(case=case, resolved_at=case.resolved_at).first()
    if existing is not None:
        return existing
    now = timezone.now()
    link = VisitLink(
        case=case,
        resolved_at=case.resolved_at,
        salt=secrets.token_hex(16),
        created_at=now,
        expires_at=now + timedelta(days=VISIT_LINK_DAYS),
    )
    link.token_hash = _hash(visit_token(link))
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:  # two requests made it at once: the other one's link stands
        return VisitLink.objects.get(case=case, resolved_at=case.resolved_at)
    return link


def visit_link_find(token: str) -> VisitLink | None:
    if not re.fullmatch(r"[0-9a-f]{40}", token or ""):
        return None
    return VisitLink.objects.select_related("case").filter(token_hash=_hash(token)).first()


def visit_link_state(link: VisitLink) -> str:
    """open | used | expired | closed (the case was visited another way, or reopened, meanwhile)."""
    if link.is_used:
        return "used"
    if link.is_expired:
        return "expired"
    case = link.case
    if case.status != Status.RESOLVED or case.resolved_at != link.resolved_at:
        return "closed"
    return "open"


REFUSALS = {
    "used": (gettext_lazy("您已经完成了本次回访，感谢您的评价。每个链接只能作答一次。"), 409),
    "expired": (gettext_lazy("该回访链接已过期（有效期 15 天）。如需评价，请拨打热线。"), 410),
    "closed": (gettext_lazy("该事项已完成回访或正在重新办理，无需再次评价。感谢您的关注。"), 409),
}


def online_visitor():
    """The account that online answers are recorded under: no password, cannot sign in, sees cases as staff."""
    user, created = get_user_model().objects.get_or_create(
        username=ONLINE_VISITOR, defaults={"last_name": "线上回访", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


def _record_visit(case_id: int, *, result: str, reason: str) -> None:
    """The one call into the case's visit (cases.visits through the visit move): an online answer is an
    independent visit by the resident, channel 线上; 不满意 carries the resident's own words as reason 其他."""
    note = _("线上回访（诉求人本人作答）") + (f"：{reason}" if reason else "")
    case_transition(
        case_id=case_id,
        actor=online_visitor(),
        action="visit",
        visit_result=result,
        visit_reason=VisitReason.OTHER if result == VisitResult.UNSATISFIED else "",
        note=note,
        channel=VisitChannel.ONLINE,
    )


@transaction.atomic
def visit_answer(*, token: str, result: str, reason: str = "") -> VisitLink:
    """Take the resident's answer once: record the visit (不满意 sends the case back to rework) and spend the link."""
    link = visit_link_find(token)
    if link is None:
        raise VisitRefused(_("链接无效。"), status=404)
    link = VisitLink.objects.select_for_update(no_key=True).select_related("case").get(pk=link.pk)
    state = visit_link_state(link)
    if state != "open":
        message, status = REFUSALS[state]
        raise VisitRefused(str(message), status=status)
    reason = reason.strip()
    if result not in ANSWERED_RESULTS:
        raise CaseError(_("请选择满意、基本满意或不满意。"), field="result")
    if result == VisitResult.UNSATISFIED and not reason:
        raise CaseError(_("请告诉我们哪里不满意，我们会重新办理。"), field="reason")
    _record_visit(link.case_id, result=result, reason=reason)
    link.used_at, link.result, link.reason, link.channel = timezone.now(), result, reason, VisitChannel.ONLINE
    link.save(update_fields=["used_at", "result", "reason", "channel"])
    return link
