"""The notification centre through the pages and the API: the bell, the list, marking read."""

from django.urls import reverse

from cases.services import case_transition
from notifications.models import Notification
from tests.conftest import make_user


def api_dispatch(client, case, assignee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("api:case-move", args=[case.pk]),
            {"action": "dispatch", "assignee": assignee.pk},
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    return response


def test_a_dispatch_through_the_api_gives_the_assignee_a_dispatched_notification(
    client, case, staff_user, worker_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    api_dispatch(client, case, worker_user, django_capture_on_commit_callbacks)
    client.force_login(worker_user)
    body = client.get("/api/notifications/").json()
    assert len(body) == 1
    assert set(body[0]) == {"id", "kind", "case", "title", "created_at", "read"}
    assert (body[0]["kind"], body[0]["case"], body[0]["read"]) == ("dispatched", case.pk, False)
    assert client.get("/api/notifications/").json() == body
    assert client.post(f"/api/notifications/{body[0]['id']}/read/").json()["read"] is True
    assert client.get("/api/notifications/").json()[0]["read"] is True
    assert client.get("/api/notifications/?unread=1").json() == []


def test_the_api_lists_a_persons_notifications_newest_first_and_nobody_elses(
    client, case, staff_user, worker_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    api_dispatch(client, case, worker_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, actor=staff_user, action="supervise", note="请加快")
    client.force_login(worker_user)
    kinds = [n["kind"] for n in client.get("/api/notifications/").json()]
    assert kinds == ["supervised", "dispatched"]
    mine = Notification.objects.filter(user=worker_user).first()
    client.force_login(staff_user)
    assert client.get("/api/notifications/").json() == []
    assert client.post(f"/api/notifications/{mine.pk}/read/").status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_api_asks_for_a_sign_in(client):
    assert client.get("/api/notifications/").status_code in (401, 403)


def test_the_bell_shows_the_unread_count_on_every_page_and_the_list_marks_read(
    client, case, staff_user, worker_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    api_dispatch(client, case, worker_user, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, actor=staff_user, action="remind", note="居民催问")
    client.force_login(worker_user)
    for url in (reverse("home"), reverse("cases:list"), reverse("cases:detail", args=[case.pk])):
        page = client.get(url).content.decode()
        assert '<span class="bell-count" aria-hidden="true">2</span>' in page
    listing = client.get(reverse("notifications:list") + "?unread=1").content.decode()
    assert listing.count('class="unread"') == 2
    first = Notification.objects.filter(user=worker_user).order_by("pk").first()
    response = client.post(reverse("notifications:read", args=[first.pk]), {"open": "1"})
    assert response.url == reverse("cases:detail", args=[case.pk])
    assert '<span class="bell-count" aria-hidden="true">1</span>' in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications:read_all"))
    home = client.get(reverse("home")).content.decode()
    assert "bell-count" not in home
    assert client.get(reverse("notifications:list") + "?unread=1").content.decode().count('class="unread"') == 0


def test_the_bell_costs_one_query(client, worker_user, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    from notifications.context_processors import bell

    request = RequestFactory().get("/")
    request.user = worker_user
    with django_assert_num_queries(1):
        Template('{% include "includes/_bell.html" %}').render(Context(bell(request)))


def test_someone_elses_notification_cannot_be_marked_read(client, case, staff_user, worker_user):
    from notifications.services import notify

    [notification] = notify(user_ids=[worker_user.pk], kind="dispatched", title="x", key="k", case_id=case.pk)
    other = make_user("other", "街道工作人员")
    client.force_login(other)
    assert client.post(reverse("notifications:read", args=[notification.pk])).status_code == 404
