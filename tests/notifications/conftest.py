"""A real local HTTP server standing in for the SMS/IM gateway, and people with teams and units."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from cases.models import Department, Team
from notifications.models import UnitContact
from tests.conftest import make_user

SECRET = "gateway-shared-secret-0123456789"


class Gateway:
    """Records every POST; answers `status` (a list: one status per request, the last one repeats)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses = [200]
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Ruziniu-Timestamp"]
                expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
                valid = hmac.compare_digest(self.headers["X-Ruziniu-Signature"], f"sha256={expected}")
                with gateway.lock:
                    status = gateway.statuses.pop(0) if len(gateway.statuses) > 1 else gateway.statuses[0]
                    gateway.received.append(
                        {
                            "payload": json.loads(body),
                            "signature_valid": valid,
                            "status": status,
                            "headers": dict(self.headers),
                        }
                    )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["status"] == 200]


@pytest.fixture
def gateway(settings):
    server = Gateway()
    server.thread.start()
    settings.NOTIFY_WEBHOOK_URL = server.url
    settings.NOTIFY_WEBHOOK_SECRET = SECRET
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def worker_user(db):
    return make_user("xiaoli", roles.STAFF, email="xiaoli@example.gov.cn")


@pytest.fixture
def team(db):
    leader = make_user("duizhang", roles.STAFF, email="duizhang@example.gov.cn")
    member = make_user("zhuanban", roles.STAFF, email="zhuanban@example.gov.cn")
    team = Team.objects.create(name="加装电梯专班", leader=leader)
    team.members.add(member)
    return team


@pytest.fixture
def unit(reference_data):
    department = Department.objects.order_by("sort_order").first()
    contact = make_user("fangguan", roles.STAFF, email="fangguan@example.gov.cn")
    UnitContact.objects.create(department=department, user=contact)
    return department


@pytest.fixture
def supervisor(db):
    from django.conf import settings

    user = make_user("ducha", roles.STAFF, email="ducha@example.gov.cn")
    user.groups.add(Group.objects.get_or_create(name=settings.CASE_ESCALATE_GROUP)[0])
    return user
