"""The one table of allowed moves in a case's life. `cases.services.case_transition` enforces it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.models import OPEN_STATUSES, EventKind, Status

# A merged case takes no move at all (cases/merging.py refuses them naming its master).
ALL_STATUSES = tuple(status for status in Status if status != Status.MERGED)


@dataclass(frozen=True)
class Move:
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (notes) or is decided by the move (resume, visit)
    staff_only: bool = False
    needs_note: bool = False
    kind: str = EventKind.TRANSITION


MOVES: dict[str, Move] = {
    "dispatch": Move(_("派单"), (Status.NEW,), Status.DISPATCHED, staff_only=True),
    "accept": Move(_("签收"), (Status.DISPATCHED,), Status.ACCEPTED),
    "return": Move(_("退单"), (Status.DISPATCHED, Status.ACCEPTED), Status.NEW, needs_note=True),
    "start": Move(_("开始办理"), (Status.ACCEPTED,), Status.IN_PROGRESS),
    "hold": Move(_("挂起"), (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS), Status.ON_HOLD, needs_note=True),
    "resume": Move(_("恢复办理"), (Status.ON_HOLD,), None),
    "resolve": Move(_("办结"), (Status.IN_PROGRESS,), Status.RESOLVED),
    "visit": Move(_("回访"), (Status.RESOLVED,), None, kind=EventKind.VISIT),
    "remind": Move(_("催办"), tuple(OPEN_STATUSES), None, needs_note=True, kind=EventKind.REMINDER),
    "supervise": Move(
        _("督办"), tuple(OPEN_STATUSES), None, staff_only=True, needs_note=True, kind=EventKind.SUPERVISION
    ),
    "note": Move(_("备注"), ALL_STATUSES, None, needs_note=True, kind=EventKind.NOTE),
}


def moves_from(status: str, *, is_staff: bool) -> list[str]:
    """The actions a user of this kind may take on a case in `status`, in table order."""
    return [name for name, move in MOVES.items() if status in move.sources and (is_staff or not move.staff_only)]
