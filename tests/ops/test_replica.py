"""governance/replica.py: dashboards and exports may read from a read replica; nothing else does."""

from django.conf import settings

from governance import replica
from governance.replica import ReplicaRouter


def test_reads_inside_the_block_go_to_the_replica_when_one_is_configured(monkeypatch):
    router = ReplicaRouter()
    monkeypatch.setattr(replica, "configured", lambda: True)  # as with DATABASE_REPLICA_URL set
    assert router.db_for_read(object) is None
    with replica.reads():
        assert router.db_for_read(object) == "replica"
        assert router.db_for_write(object) == "default"  # writes never leave the primary
    assert router.db_for_read(object) is None


def test_without_a_replica_the_block_changes_nothing():
    assert "replica" not in settings.DATABASES
    with replica.reads():
        assert ReplicaRouter().db_for_read(object) is None


def test_only_the_primary_is_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "cases")
    assert not router.allow_migrate("replica", "cases")
