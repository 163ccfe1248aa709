from django.utils import timezone

from ops.models import WorkerHeartbeat


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Store that the worker on `hostname` is alive now (one row per worker)."""
    beat, _created = WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults={"seen_at": timezone.now()})
    return beat
