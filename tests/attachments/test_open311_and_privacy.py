"""Open311 carries photos only when staff published them; a posted media_url is kept as a link, not fetched;
anonymising a resident removes the files marked as personal."""

from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from attachments.models import Attachment, AttachmentKind
from attachments.services import attachment_add
from cases.models import Case, CaseEvent
from ops.privacy import NOTE
from tests.api.conftest import make_service_account
from tests.attachments.conftest import jpeg_with_gps, pdf_bytes, upload
from tests.security.conftest import local


def open311(name: str, **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": "json", **kwargs})


def add(case, actor, name="楼道.jpg", data=None, **kwargs) -> Attachment:
    data = jpeg_with_gps() if data is None else data
    return attachment_add(case_id=case.pk, actor=actor, upload=upload(name, data), **kwargs)


@pytest.fixture
def street_key(db):
    from accounts import roles

    return make_service_account("hotline-street", roles.STAFF)[1]


def test_open311_carries_the_address_of_a_public_photo_only(client, case, staff_user):
    add(case, staff_user, name="私下的.jpg")
    assert client.get(open311("request", request_id=case.reference)).json()[0]["media_url"] is None
    photo = add(case, staff_user, name="完工照.jpg", public=True)
    media_url = client.get(open311("request", request_id=case.reference)).json()[0]["media_url"]
    assert media_url == f"http://testserver{reverse('attachments:public', args=[photo.public_key])}"
    listed = client.get(open311("requests")).json()
    assert [row["media_url"] for row in listed if row["service_request_id"] == case.reference] == [media_url]
    anonymous = client.get(media_url)  # read by anyone, as the standard expects
    assert anonymous.status_code == 200 and anonymous["Content-Type"] == "image/jpeg"
    assert anonymous["X-Content-Type-Options"] == "nosniff"
    assert b"CAMSERIAL" not in b"".join(anonymous.streaming_content)


def test_a_photo_taken_back_from_public_is_no_longer_served_to_anyone(client, case, staff_user):
    from attachments.services import attachment_publish

    photo = add(case, staff_user, public=True)
    address = reverse("attachments:public", args=[photo.public_key])
    attachment_publish(attachment_id=photo.pk, actor=staff_user, public=False)
    assert client.get(address).status_code == 404
    assert client.get(open311("request", request_id=case.reference)).json()[0]["media_url"] is None


def test_a_posted_media_url_is_kept_as_a_link_and_not_fetched(client, street_key, building, elevator_category):
    photo = "https://wangge.example.gov.cn/media/2026/12/04/crack.jpg"
    response = client.post(
        open311("requests"),
        {
            "api_key": street_key,
            "service_code": elevator_category.pk,
            "description": "电梯井墙面开裂",
            "address_id": building.pk,
            "media_url": photo,
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(reference=response.json()[0]["service_request_id"])
    link = case.attachments.get()
    assert (link.kind, link.link, link.file.name, link.size) == (AttachmentKind.LINK, photo, "", 0)
    # Not a public photo of ours: Open311 does not hand the link back out.
    assert client.get(open311("request", request_id=case.reference)).json()[0]["media_url"] is None


@pytest.mark.parametrize("media_url", ["javascript:alert(1)", "file:///etc/passwd", "not a url"])
def test_a_media_url_that_is_not_a_web_address_is_refused_naming_the_field(
    client, street_key, building, elevator_category, media_url
):
    data = {"api_key": street_key, "service_code": elevator_category.pk, "description": "电梯坏了"}
    response = client.post(open311("requests"), {**data, "address_id": building.pk, "media_url": media_url})
    assert response.status_code == 400
    assert response.json()[0]["field"] == "media_url"
    assert not Case.objects.exists()


def test_the_case_page_lists_a_media_url_as_a_link_it_did_not_download(staff_client, case, staff_user):
    from attachments.services import attachment_link

    attachment_link(case_id=case.pk, actor=staff_user, url="https://example.gov.cn/p/1.jpg")
    page = staff_client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'href="https://example.gov.cn/p/1.jpg" rel="noopener noreferrer nofollow"' in page


def test_anonymising_removes_the_files_marked_personal_and_keeps_the_others(
    closed_case_factory, superuser, staff_user, django_capture_on_commit_callbacks
):
    case = closed_case_factory(closed_at=local(2023, 6, 1))
    card = add(case, staff_user, name="杨女士身份证.jpg", personal=True)
    form = add(case, staff_user, name="杨女士签名的征询表.pdf", data=pdf_bytes(), personal=True)
    after = add(case, staff_user, name="完工照.jpg")
    stored = [card.file.name, card.thumbnail.name, form.file.name]
    assert "杨女士" not in " ".join(CaseEvent.objects.filter(case=case).values_list("note", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("anonymise_residents", "--closed-before", "2024-01-01", stdout=StringIO())

    assert list(case.attachments.values_list("pk", flat=True)) == [after.pk]
    assert not any(default_storage.exists(name) for name in stored)
    assert default_storage.exists(after.file.name)
    note = CaseEvent.objects.filter(case=case, note__startswith=NOTE).get().note
    assert note == f"{NOTE} 删除含个人信息的附件 2 个。"


def test_a_case_whose_only_personal_data_is_a_file_is_anonymised_too(closed_case_factory, superuser, staff_user):
    case = closed_case_factory(closed_at=local(2023, 6, 1))
    call_command("anonymise_residents", "--closed-before", "2024-01-01", stdout=StringIO())
    add(case, staff_user, name="补充的身份证.jpg", personal=True)
    out = StringIO()
    call_command("anonymise_residents", "--closed-before", "2024-01-01", stdout=out)
    assert "1 of 1 closed cases anonymised" in out.getvalue()
    assert not case.attachments.exists()
