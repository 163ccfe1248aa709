"""The case page's files: upload without JavaScript, the gallery, the timeline, deletion, and no raw media."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from attachments.models import Attachment
from attachments.services import attachment_add
from cases.models import CaseEvent
from tests.attachments.conftest import jpeg_with_gps, pdf_bytes, upload


def add(case, actor, name="裂缝.jpg", data=None, **kwargs) -> Attachment:
    data = jpeg_with_gps() if data is None else data
    return attachment_add(case_id=case.pk, actor=actor, upload=upload(name, data), **kwargs)


def test_several_files_posted_at_once_are_each_kept_or_refused_with_their_own_message(committee_client, case):
    files = [upload("墙面.jpg", jpeg_with_gps()), upload("evil.jpg", b"<html><script>1</script></html>")]
    files.append(upload("告知书.pdf", pdf_bytes()))
    response = committee_client.post(reverse("attachments:upload", args=[case.pk]), {"file": files}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "evil.jpg：不接受 HTML 文件" in text
    assert "已上传 2 个附件。" in text
    assert sorted(case.attachments.values_list("name", flat=True)) == ["告知书.pdf", "墙面.jpg"]


def test_the_case_page_shows_thumbnails_opening_the_photo_and_lists_documents(staff_client, case, staff_user):
    photo = add(case, staff_user)
    document = add(case, staff_user, name="意见征询表.pdf", data=pdf_bytes())
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    download, thumbnail = (
        reverse("attachments:download", args=[photo.pk]),
        reverse("attachments:thumbnail", args=[photo.pk]),
    )
    assert f'<a href="{download}" target="_blank" rel="noopener" title="裂缝.jpg"><img src="{thumbnail}"' in page
    assert f'<a href="{reverse("attachments:download", args=[document.pk])}">意见征询表.pdf</a>' in page
    assert 'accept="image/*" capture="environment" multiple' in page


def test_each_file_shows_at_its_timeline_line(staff_client, case, staff_user):
    from cases.services import case_transition

    note = case_transition(case_id=case.pk, actor=staff_user, action="note", note="现场查看，墙体开裂").events.first()
    photo = add(case, staff_user, event_id=note.pk)
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    timeline = page[page.index('id="timeline"') :]
    line = timeline[timeline.index("现场查看，墙体开裂") :]
    line = line[: line.index("</li>\n  \n  <li") if "</li>\n  \n  <li" in line else len(line)]
    assert reverse("attachments:thumbnail", args=[photo.pk]) in line


def test_deleting_a_file_writes_who_when_and_which_file_on_the_timeline(
    staff_client, case, staff_user, django_capture_on_commit_callbacks
):
    photo = add(case, staff_user, name="旧照片.jpg")
    stored = photo.file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the deletion is committed
        response = staff_client.post(reverse("attachments:delete", args=[photo.pk]), follow=True)
    assert response.status_code == 200
    assert not Attachment.objects.filter(pk=photo.pk).exists()
    assert not default_storage.exists(stored)
    line = CaseEvent.objects.filter(case=case, action="attachment_deleted").get()
    assert line.actor == staff_user and "旧照片.jpg" in line.note
    assert "删除附件：旧照片.jpg" in response.content.decode()


def test_a_committee_member_deletes_only_their_own_uploads(client, case, staff_user, committee_user):
    staffs = add(case, staff_user)
    own = add(case, committee_user)
    client.force_login(committee_user)
    client.post(reverse("attachments:delete", args=[staffs.pk]))
    assert Attachment.objects.filter(pk=staffs.pk).exists()
    client.post(reverse("attachments:delete", args=[own.pk]))
    assert not Attachment.objects.filter(pk=own.pk).exists()


def test_another_neighbourhood_cannot_upload_delete_or_download(client, case, staff_user, other_committee_user):
    photo = add(case, staff_user)
    client.force_login(other_committee_user)
    assert (
        client.post(
            reverse("attachments:upload", args=[case.pk]), {"file": upload("a.jpg", jpeg_with_gps())}
        ).status_code
        == 404
    )
    assert client.post(reverse("attachments:delete", args=[photo.pk])).status_code == 404
    assert client.get(reverse("attachments:download", args=[photo.pk])).status_code == 404
    assert Attachment.objects.filter(case=case).count() == 1


def test_personal_files_of_a_confidential_resident_are_for_street_office_staff_only(
    client, staff_user, committee_user, neighbourhood, elevator_category
):
    from tests.conftest import make_case

    case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, reporter_confidential=True)
    card = add(case, staff_user, name="身份证.jpg", personal=True)
    plain = add(case, staff_user, name="楼道.jpg")
    client.force_login(committee_user)
    assert client.get(reverse("attachments:download", args=[card.pk])).status_code == 404
    assert client.get(reverse("attachments:download", args=[plain.pk])).status_code == 200
    assert "身份证.jpg" not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_stored_files_are_never_served_from_a_public_path(staff_client, case, staff_user, settings):
    from django.test import Client

    photo = add(case, staff_user)
    assert (settings.MEDIA_ROOT / photo.file.name).exists()
    raw = settings.MEDIA_URL + photo.file.name
    assert staff_client.get(raw).status_code == 404
    assert staff_client.get("/" + settings.STATIC_URL + photo.file.name).status_code == 404
    assert Client().get(raw).status_code == 404  # MEDIA_URL has no route at all


def test_an_anonymous_visitor_is_sent_to_sign_in_for_a_file(client, case, staff_user):
    photo = add(case, staff_user)
    response = client.get(reverse("attachments:download", args=[photo.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("public", [True, False])
def test_staff_publish_a_photo_from_the_case_page(staff_client, case, staff_user, public):
    photo = add(case, staff_user, public=not public)
    staff_client.post(reverse("attachments:publish", args=[photo.pk]), {"public": "1" if public else "0"})
    photo.refresh_from_db()
    assert photo.public is public
