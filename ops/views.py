from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from ops.models import WorkerHeartbeat


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from governance.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        return "down"


@login_not_required
@never_cache
def healthz(request):
    """Liveness for load balancers: the database and the broker, no personal data."""
    database = _database_ok()
    broker = _broker_state()
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first() if database else None
    healthy = database and broker != "down"
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok" if database else "down",
        "broker": broker,
        "last_worker_heartbeat": last.isoformat() if last else None,
    }
    return JsonResponse(body, status=200 if healthy else 503)
