"""Every write of notifications: telling people (once per key), delivering, the reminder pass, digests."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alerts.models import Warning
from cases.deadlines import is_workday
from cases.models import OPEN_STATUSES, Case, CaseEvent, EventKind, ExtensionRequest, Holiday
from cases.personal import mask_text
from notifications import channels, recipients
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    EventCursor,
    Kind,
    Notification,
    Preferences,
)

log = logging.getLogger(__name__)

# A delivery is tried this many times (with the task's backoff between) before it is marked failed.
MAX_ATTEMPTS = 8
# A delivery claimed this long ago and not finished belongs to a worker that died: it may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=10)
# A timeline event older than this is history (an import, the demo data): nobody is told of it any more.
EVENT_MAX_AGE = timedelta(hours=24)


def notify(
    *,
    user_ids,
    kind: str,
    title: str,
    key: str,
    case_id: int | None = None,
    warning_id: int | None = None,
    at: datetime | None = None,
) -> list[Notification]:
    """Tell each of `user_ids` once per `key`; their e-mail and webhook deliveries are queued after the commit."""
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return []
    created, deliveries = [], []
    with transaction.atomic():
        prefs = {p.user_id: p for p in Preferences.objects.filter(user_id__in=ids)}
        for user in get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"):
            notification, new = Notification.objects.get_or_create(
                user=user,
                key=key,
                defaults={
                    "kind": kind,
                    "title": title[:200],
                    "case_id": case_id,
                    "warning_id": warning_id,
                    "created_at": at or timezone.now(),
                },
            )
            if not new:
                continue
            created.append(notification)
            pref = prefs.get(user.pk) or Preferences(user=user)
            chosen = pref.channels_for(kind)
            if Channel.EMAIL in chosen and user.email and not pref.digest:
                deliveries.append(Delivery.objects.create(notification=notification, channel=Channel.EMAIL))
            if Channel.WEBHOOK in chosen and settings.NOTIFY_WEBHOOK_URL:
                deliveries.append(Delivery.objects.create(notification=notification, channel=Channel.WEBHOOK))
        ids_to_send = [d.pk for d in deliveries]
        if ids_to_send:
            transaction.on_commit(lambda: enqueue_deliveries(ids_to_send))
    return created


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Queue the sending tasks; with the broker down, log it and leave them to the sweep (never fail the caller)."""
    from notifications.tasks import deliver

    for delivery_id in delivery_ids:
        try:
            deliver.delay(delivery_id)
        except Exception:  # kombu/redis raise many kinds of connection errors
            log.warning("delivery %s not queued; the sweep will send it", delivery_id, exc_info=True)
            return


def delivery_send(*, delivery_id: int) -> str:
    """Send one delivery if nobody else is sending or has sent it. Raises on a failure worth retrying."""
    now = timezone.now()
    # The conditional UPDATE is the claim: of two workers (a retried task and the sweep's) one sends.
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("notification__user", "notification__case").get(pk=delivery_id)
    try:
        if delivery.channel == Channel.EMAIL:
            channels.send_email(delivery.notification)
        else:
            channels.post_webhook(delivery.notification, delivery.pk)
    except Exception as error:
        gave_up = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING, last_error=str(error)[:2000]
        )
        if gave_up:
            log.error("delivery %s failed for good: %s", delivery_id, error)
            return "failed"
        raise
    Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def deliveries_sweep(*, at: datetime | None = None) -> int:
    """Queue every delivery a broker outage or a dead worker left unsent. Returns how many."""
    at = at or timezone.now()
    stuck = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).filter(
        Q(claimed_at__isnull=True, created_at__lt=at - timedelta(minutes=2)) | Q(claimed_at__lt=at - CLAIM_TIMEOUT)
    )
    ids = list(stuck.order_by("pk").values_list("pk", flat=True)[:5000])
    enqueue_deliveries(ids)
    return len(ids)


# --- events of a case's timeline -----------------------------------------------------------------------


def _zh(message: str, **values) -> str:
    """A title in the site's language: it is stored, and read later by people of any language setting."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


def event_notify(*, event_id: int) -> list[Notification]:
    """Tell the people concerned by one timeline event: a dispatch, a return, a reminder, a supervision, an
    extension decided. Idempotent (keyed by the event)."""
    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None or event.created_at < timezone.now() - EVENT_MAX_AGE:
        return []
    case = event.case
    names = {"case": f"{case.reference} {mask_text(case.title)}"}  # a notification is a log: numbers masked
    if event.action == "dispatch":
        kind, people, title = Kind.DISPATCHED, recipients.dispatched_to(case), _zh("新派单：%(case)s", **names)
    elif event.action == "return":
        kind, people, title = Kind.RETURNED, recipients.dispatcher(event), _zh("被退单：%(case)s", **names)
    elif event.action == "remind":
        kind, people, title = Kind.REMINDED, recipients.handlers(case), _zh("催办：%(case)s", **names)
    elif event.action == "supervise":
        kind, people, title = Kind.SUPERVISED, recipients.handlers(case), _zh("督办：%(case)s", **names)
    elif event.action == "decide_extension":
        extension = ExtensionRequest.objects.filter(case=case, decided_at__isnull=False).order_by("-decided_at")
        requested_by = extension.values_list("requested_by_id", flat=True).first()
        approved = event.kind == EventKind.EXTENSION_APPROVED
        message = "延期申请已同意：%(case)s" if approved else "延期申请未同意：%(case)s"
        kind, people, title = Kind.EXTENSION_DECIDED, {requested_by}, _zh(message, **names)
    else:
        return []
    people.discard(event.actor_id)  # nobody is told of what they did themselves
    return notify(user_ids=people, kind=kind, title=title, key=f"{kind}:event:{event.pk}", case_id=case.pk)


EVENT_ACTIONS = ["dispatch", "return", "remind", "supervise", "decide_extension"]


def events_sweep(*, at: datetime | None = None) -> int:
    """Turn the timeline events no listener handled (a process that died after its commit) into notifications.
    The first run starts from the newest event: history is not news."""
    at = at or timezone.now()
    with transaction.atomic():
        cursor = EventCursor.objects.select_for_update(no_key=True).filter(pk=1).first()
        if cursor is None:
            newest = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            EventCursor.objects.bulk_create([EventCursor(pk=1, last_event_id=newest)], ignore_conflicts=True)
            return 0
        # Only events a minute old: an id taken by a transaction still open is not skipped for good.
        events = CaseEvent.objects.filter(pk__gt=cursor.last_event_id, created_at__lt=at - timedelta(minutes=1))
        batch = list(events.order_by("pk").values_list("pk", "action")[:5000])
        if not batch:
            return 0
        cursor.last_event_id = batch[-1][0]
        cursor.save(update_fields=["last_event_id"])
    for event_id, action in batch:
        if action in EVENT_ACTIONS:
            event_notify(event_id=event_id)
    return len(batch)


def warning_notify(*, warning_id: int) -> list[Notification]:
    """Tell the committee of the warning's neighbourhood and the supervising role of a new warning."""
    warning = Warning.objects.filter(pk=warning_id).first()
    if warning is None:
        return []
    people = recipients.committee_of(warning.neighbourhood_id) | recipients.supervisors()
    title = _zh("预警：%(title)s", title=warning.title)
    return notify(user_ids=people, kind=Kind.WARNING, title=title, key=f"warning:{warning.pk}", warning_id=warning.pk)


# --- the reminder pass: due soon, overdue, escalation ---------------------------------------------------


def _after_working_days(moment: datetime, days: int, calendar: dict) -> datetime:
    """cases.deadlines.add_working_days with the holiday calendar read once for the whole pass."""
    moment = timezone.localtime(moment)
    while not is_workday(moment.date(), calendar):
        moment = (moment + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    while days > 0:
        moment += timedelta(days=1)
        if is_workday(moment.date(), calendar):
            days -= 1
    return moment


def _due_states(at: datetime) -> list[tuple[str, int, str]]:
    """[(kind, case id, key)] of every open case that is due soon, overdue or to be escalated at `at`."""
    share = settings.CASE_DUE_SOON_PERCENT / 100
    rows = list(
        Case.objects.filter(status__in=OPEN_STATUSES, due_at__isnull=False, received_at__lte=at).values_list(
            "id", "received_at", "due_at"
        )
    )
    overdue = [row for row in rows if row[2] <= at]
    calendar = {}
    if overdue:
        first = timezone.localdate(min(row[2] for row in overdue))
        days = (timezone.localdate(at) - first).days + settings.CASE_ESCALATE_AFTER_DAYS * 3 + 40
        holidays = Holiday.objects.filter(date__range=(first, first + timedelta(days=days)))
        calendar = dict(holidays.values_list("date", "is_workday"))
    states = []
    for case_id, received, due in rows:
        stamp = due.isoformat(timespec="minutes")  # a deadline moved by an extension is news again
        if due <= at:
            states.append((Kind.OVERDUE, case_id, f"overdue:{case_id}:{stamp}"))
            if _after_working_days(due, settings.CASE_ESCALATE_AFTER_DAYS, calendar) <= at:
                states.append((Kind.ESCALATED, case_id, f"escalated:{case_id}:{stamp}"))
        elif received + (due - received) * share <= at:
            states.append((Kind.DUE_SOON, case_id, f"due_soon:{case_id}:{stamp}"))
    return states


TITLES = {
    Kind.DUE_SOON: "即将到期：%(case)s（%(due)s 到期）",
    Kind.OVERDUE: "已超期：%(case)s（%(due)s 到期）",
    Kind.ESCALATED: "超期未办结，请督办：%(case)s（%(due)s 到期）",
}


def reminders_pass(*, at: datetime | None = None) -> dict[str, int]:
    """Tell handlers of cases due soon and overdue, and leaders of cases overdue for CASE_ESCALATE_AFTER_DAYS
    working days. Running it twice sends nothing twice."""
    at = at or timezone.now()
    states = _due_states(at)
    done: set[str] = set()
    case_ids = sorted({case_id for _kind, case_id, _key in states})
    for start in range(0, len(case_ids), 5000):  # SQLite's limit of parameters per statement
        chunk = case_ids[start : start + 5000]
        sent = Notification.objects.filter(kind__in=list(TITLES), case_id__in=chunk)
        done.update(sent.values_list("key", flat=True).distinct())
    todo = [state for state in states if state[2] not in done]
    cases = Case.objects.in_bulk([case_id for _kind, case_id, _key in todo])
    counts = dict.fromkeys(TITLES, 0)
    for kind, case_id, key in todo:
        case = cases[case_id]
        people = recipients.escalation_people(case.team_id) if kind == Kind.ESCALATED else recipients.handlers(case)
        due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")
        title = _zh(TITLES[kind], case=f"{case.reference} {mask_text(case.title)}", due=due)
        counts[kind] += len(notify(user_ids=people, kind=kind, title=title, key=key, case_id=case_id, at=at))
    return counts


# --- the daily digest ----------------------------------------------------------------------------------


def digests_send(*, at: datetime | None = None) -> int:
    """Send each person who chose the daily digest one e-mail of the day's notifications (once a day, after
    NOTIFY_DIGEST_HOUR). Returns how many e-mails were sent."""
    at = at or timezone.now()
    local = timezone.localtime(at)
    if local.hour < settings.NOTIFY_DIGEST_HOUR:
        return 0
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = 0
    due = Preferences.objects.filter(digest=True).filter(Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=today))
    for pref in due.select_related("user"):
        # Claim the day with a conditional UPDATE: two passes at once send one digest.
        if not Preferences.objects.filter(pk=pref.pk, last_digest_at=pref.last_digest_at).update(last_digest_at=at):
            continue
        since = pref.last_digest_at or at - timedelta(days=1)
        items = [
            n
            for n in Notification.objects.filter(user=pref.user, created_at__gt=since, created_at__lte=at)
            if Channel.EMAIL in pref.channels_for(n.kind)
        ]
        if not items or not pref.user.email:
            continue
        lines = [f"· {n.title}\n  {channels.link(n)}" for n in items]
        subject = _zh("【孺子牛】每日汇总：%(count)s 条消息", count=len(items))
        try:
            send_mail(subject, "\n".join(lines) + "\n", None, [pref.user.email])
        except Exception:
            # Give the day back, so that the next pass tries again.
            Preferences.objects.filter(pk=pref.pk).update(last_digest_at=pref.last_digest_at)
            log.warning("digest for user %s not sent", pref.user_id, exc_info=True)
            continue
        sent += 1
    return sent


def reminders_run(*, at: datetime | None = None) -> dict[str, int]:
    """What beat runs every few minutes (and `manage.py send_reminders`): the reminder pass, the events and
    deliveries a failure left behind, and the daily digests."""
    at = at or timezone.now()
    counts = reminders_pass(at=at)
    counts["events"] = events_sweep(at=at)
    counts["deliveries"] = deliveries_sweep(at=at)
    counts["digests"] = digests_send(at=at)
    return counts


# --- the person's own actions --------------------------------------------------------------------------


def notification_read(*, user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (another person's does not exist for them)."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def preferences_save(*, user, channels_by_kind: dict[str, list[str]], digest: bool) -> Preferences:
    """Store the person's channels per kind and their digest choice."""
    pref, _created = Preferences.objects.get_or_create(user=user)
    pref.channels = {kind: sorted(set(chosen) & set(Channel.values)) for kind, chosen in channels_by_kind.items()}
    pref.digest = digest
    pref.save(update_fields=["channels", "digest"])
    return pref
