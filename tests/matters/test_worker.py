import pytest

from matters.models import CaseLink, CaseSignature, LinkKind
from tests.conftest import wait_for


@pytest.mark.worker
def test_a_real_worker_links_a_new_elevator_case_by_kind_and_not_to_the_noise_next_door(celery_worker, scene):
    """`scene` logs four cases through case_create; each commit enqueues the task for the worker on Redis."""
    new = scene["new"]
    wait_for(
        lambda: CaseSignature.objects.filter(case__in=list(scene.values())).count() == 4,
        message=f"all four cases indexed; worker log:\n{celery_worker.output()[-3000:]}",
    )

    def linked():
        links = {link.other(new.pk): link.kind for link in CaseLink.objects.involving(new.pk)}
        return links if {scene["ageing"].pk, scene["same_building"].pk} <= set(links) else None

    links = wait_for(linked, message=f"the new case's links; worker log:\n{celery_worker.output()[-3000:]}")
    assert links[scene["ageing"].pk] == LinkKind.SAME_CLASS
    assert links[scene["same_building"].pk] == LinkKind.SAME_MATTER
    assert scene["noise"].pk not in links
    assert "matters.tasks.flag_similar" in celery_worker.output()
