"""POST/GET /api/cases/{id}/attachments/: the contract, the scoping, the refusals and the cleaning."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from tests.api.conftest import make_service_account, token_client
from tests.attachments.conftest import (
    BODY_SERIAL,
    EXIF_IFD,
    GPS_IFD,
    SERIAL,
    docx_bytes,
    image_bytes,
    jpeg_with_gps,
    pdf_bytes,
    plain_zip,
    upload,
    xlsx_bytes,
)

FIELDS = {"id", "name", "size", "content_type", "url", "thumbnail_url"}


def url_of(case) -> str:
    return reverse("api:case-attachments", args=[case.pk])


def post(client, case, name: str, data: bytes, content_type: str = "application/octet-stream", **fields):
    return client.post(url_of(case), {"file": upload(name, data, content_type), **fields}, format="multipart")


@pytest.fixture
def staff_api(staff_user, case):
    from accounts import roles

    return token_client(make_service_account("hotline-street", roles.STAFF)[1])


@pytest.fixture
def committee_api(neighbourhood):
    from accounts import roles

    return token_client(make_service_account("hotline-jurongli", roles.COMMITTEE, neighbourhood)[1])


@pytest.fixture
def other_committee_api(other_neighbourhood):
    from accounts import roles

    return token_client(make_service_account("hotline-haifang", roles.COMMITTEE, other_neighbourhood)[1])


def test_a_photo_posted_to_a_case_answers_201_with_exactly_the_contract_fields(staff_api, case):
    response = post(staff_api, case, "裂缝.jpg", jpeg_with_gps(), "image/jpeg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["name"] == "裂缝.jpg"
    assert body["content_type"] == "image/jpeg"
    assert body["size"] > 0
    assert body["url"].endswith(reverse("attachments:download", args=[body["id"]]))
    assert body["thumbnail_url"].endswith(reverse("attachments:thumbnail", args=[body["id"]]))


def test_the_list_shows_every_file_of_the_case_with_the_same_fields(staff_api, case):
    post(staff_api, case, "a.jpg", jpeg_with_gps(), "image/jpeg")
    post(staff_api, case, "征询表.pdf", pdf_bytes(), "application/pdf")
    response = staff_api.get(url_of(case))
    assert response.status_code == 200
    rows = response.json()
    assert [row["name"] for row in rows] == ["a.jpg", "征询表.pdf"]
    assert all(set(row) == FIELDS for row in rows)
    assert rows[1]["content_type"] == "application/pdf" and rows[1]["thumbnail_url"] is None


def test_the_file_url_answers_200_to_who_may_see_the_case_and_404_to_another_neighbourhood(
    staff_api, committee_api, other_committee_api, case, client, committee_user, other_committee_user
):
    body = post(staff_api, case, "a.jpg", jpeg_with_gps(), "image/jpeg").json()
    assert staff_api.get(body["url"]).status_code == 200
    client.force_login(committee_user)
    assert client.get(body["url"]).status_code == 200
    assert client.get(body["thumbnail_url"]).status_code == 200
    client.force_login(other_committee_user)
    assert client.get(body["url"]).status_code == 404
    assert client.get(body["thumbnail_url"]).status_code == 404
    assert other_committee_api.get(url_of(case)).status_code == 404
    assert post(other_committee_api, case, "b.jpg", jpeg_with_gps(), "image/jpeg").status_code == 404
    assert committee_api.get(url_of(case)).status_code == 200


def test_anonymous_callers_get_401_and_a_handbook_admin_403(client, case, method_admin):
    assert client.get(url_of(case)).status_code == 401
    client.force_login(method_admin)
    assert client.get(url_of(case)).status_code == 403


def test_a_download_says_what_it_is_and_forbids_sniffing(staff_api, case, client, staff_user):
    photo = post(staff_api, case, "墙面.png", image_bytes("PNG"), "image/png").json()
    document = post(staff_api, case, "告知书.pdf", pdf_bytes(), "application/pdf").json()
    client.force_login(staff_user)
    image = client.get(photo["url"])
    assert image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Disposition"].startswith("inline;")
    pdf = client.get(document["url"])
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in pdf["Content-Security-Policy"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_a_jpeg_with_gps_and_a_camera_serial_is_served_back_without_them(staff_api, case, client, staff_user):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo does carry a position
    body = post(staff_api, case, "家门口.jpg", original, "image/jpeg").json()
    client.force_login(staff_user)
    served = b"".join(client.get(body["url"]).streaming_content)
    exif = Image.open(io.BytesIO(served)).getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert BODY_SERIAL not in exif.get_ifd(EXIF_IFD)
    assert SERIAL.encode() not in served and b"PhoneMaker" not in served
    assert Image.open(io.BytesIO(served)).size == (640, 480)
    thumbnail = b"".join(client.get(body["thumbnail_url"]).streaming_content)
    assert max(Image.open(io.BytesIO(thumbnail)).size) <= 320 and SERIAL.encode() not in thumbnail


@pytest.mark.parametrize(
    ("name", "data", "claimed"),
    [
        (
            "photo.jpg",
            b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
            "image/jpeg",
        ),
        ("report.pdf", b"\n  <html><head><title>x</title></head></html>", "application/pdf"),
        ("index.htm", b"<script>fetch('/api/cases/')</script>", "text/html"),
    ],
)
def test_html_is_refused_whatever_its_name_with_a_message_naming_html(staff_api, case, name, data, claimed):
    response = post(staff_api, case, name, data, claimed)
    assert response.status_code == 400
    assert "HTML" in response.json()["file"][0]


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
    ],
)
def test_svg_is_refused_whatever_its_name_with_a_message_naming_svg(staff_api, case, data):
    response = post(staff_api, case, "logo.png", data, "image/png")
    assert response.status_code == 400
    assert "SVG" in response.json()["file"][0]


@pytest.mark.parametrize(
    ("name", "data", "named"),
    [
        ("setup.jpg", b"MZ\x90\x00" + b"\x00" * 200, "可执行"),
        ("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "可执行"),
        ("run.docx", b"#!/bin/sh\nrm -rf /\n", "脚本"),
        ("photos.jpg", plain_zip(), "ZIP"),
        ("photos.jpg", b"\x1f\x8b\x08\x00" + b"\x00" * 50, "GZIP"),
        ("宏.docx", docx_bytes("application/vnd.ms-word.document.macroEnabled.main+xml"), "含宏"),
        ("notes.txt", "只是一些文字".encode(), "纯文本"),
        ("fake.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>", "PDF 文件不完整"),
    ],
)
def test_executables_scripts_archives_and_everything_else_are_refused_by_name(staff_api, case, name, data, named):
    response = post(staff_api, case, name, data)
    assert response.status_code == 400
    assert named in response.json()["file"][0]


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("a.png", image_bytes("PNG"), "image/png"),
        ("a.webp", image_bytes("WEBP"), "image/webp"),
        ("意见征询表.pdf", pdf_bytes(), "application/pdf"),
        ("告知书.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("签名统计.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_photos_pdf_word_and_excel_are_accepted_with_the_type_read_from_their_content(
    staff_api, case, name, data, content_type
):
    # The browser's claim is wrong on purpose: only the content counts.
    response = post(staff_api, case, name.rsplit(".", 1)[0] + ".bin", data, "text/plain")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type


def test_an_iphone_heic_photo_is_kept_as_a_jpeg_the_browser_can_show(staff_api, case):
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (10, 200, 10)).save(out, "HEIF")
    response = post(staff_api, case, "IMG_0001.HEIC", out.getvalue(), "image/heic")
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/jpeg"
    assert response.json()["name"] == "IMG_0001.jpg"


def test_a_file_over_the_limit_is_refused_naming_the_limit(staff_api, case, settings):
    settings.ATTACHMENT_MAX_MB = 1
    response = post(staff_api, case, "big.pdf", pdf_bytes(padding=1_200_000), "application/pdf")
    assert response.status_code == 413
    assert "1 MB" in response.json()["file"][0]


def test_the_files_of_one_case_together_stay_under_the_case_limit(staff_api, case, settings):
    settings.ATTACHMENT_CASE_MAX_MB = 1
    assert post(staff_api, case, "a.pdf", pdf_bytes(padding=600_000), "application/pdf").status_code == 201
    response = post(staff_api, case, "b.pdf", pdf_bytes(padding=600_000), "application/pdf")
    assert response.status_code == 413
    assert "1 MB" in response.json()["file"][0]


def test_a_file_can_go_with_a_timeline_line_of_its_own_case_only(
    staff_api, case, staff_user, neighbourhood, noise_category
):
    from tests.conftest import make_case

    event = case.events.get()
    other = make_case(staff_user, neighbourhood=neighbourhood, category=noise_category)
    good = post(staff_api, case, "a.jpg", jpeg_with_gps(), "image/jpeg", event=event.pk)
    assert good.status_code == 201
    assert case.attachments.get().event_id == event.pk
    wrong = post(staff_api, case, "b.jpg", jpeg_with_gps(), "image/jpeg", event=other.events.get().pk)
    assert wrong.status_code == 400 and "event" in wrong.json()


def test_a_file_without_a_timeline_line_gets_one_saying_who_added_which_file(staff_api, case):
    body = post(staff_api, case, "完工照.jpg", jpeg_with_gps(), "image/jpeg").json()
    attachment = case.attachments.get(pk=body["id"])
    assert attachment.event.note == "添加附件：完工照.jpg"
    assert attachment.event.actor.username == "hotline-street"


def test_only_street_office_staff_publish_and_only_plain_photos(staff_api, committee_api, case):
    refused = post(committee_api, case, "a.jpg", jpeg_with_gps(), "image/jpeg", public="true")
    assert refused.status_code == 403
    personal = post(staff_api, case, "身份证.jpg", jpeg_with_gps(), "image/jpeg", public="true", personal="true")
    assert personal.status_code == 400 and "public" in personal.json()
    document = post(staff_api, case, "a.pdf", pdf_bytes(), "application/pdf", public="true")
    assert document.status_code == 400
    assert post(staff_api, case, "a.jpg", jpeg_with_gps(), "image/jpeg", public="true").status_code == 201
