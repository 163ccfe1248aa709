"""What notifications does when cases (and alerts) fire their hooks (registered in apps.py, run on commit)."""

from notifications import services


def case_moved(*, event_id: int, action: str, **_ignored) -> None:
    if action in services.EVENT_ACTIONS:
        services.event_notify(event_id=event_id)


def extension_decided(*, event_id: int, **_ignored) -> None:
    services.event_notify(event_id=event_id)


def warning_raised(*, warning_id: int, **_ignored) -> None:
    services.warning_notify(warning_id=warning_id)
