"""Files as people send them: photos with a camera's metadata, documents, and things that must be refused."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD, EXIF_IFD, BODY_SERIAL = 0x8825, 0x8769, 0xA431
SERIAL = "CAMSERIAL-7788123"


def jpeg_with_gps(size=(640, 480), colour=(200, 80, 40)) -> bytes:
    """A JPEG as a phone makes it: GPS position of a resident's home and the camera's serial number."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = SERIAL
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 22.5), 3: "E", 4: (121.0, 27.0, 3.2)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def image_bytes(fmt: str, size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", size, (20, 120, 200)).save(out, fmt)
    return out.getvalue()


def pdf_bytes(padding: int = 0) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "同意加装电梯"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes(main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def closed_case_factory(staff_user, neighbourhood, elevator_category, method):
    from tests.conftest import make_case
    from tests.security.conftest import close_case

    def build(*, closed_at=None, **fields):
        case = make_case(staff_user, neighbourhood=neighbourhood, category=elevator_category, **fields)
        return close_case(case, actor=staff_user, method=method, at=closed_at)

    return build
