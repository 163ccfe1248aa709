"""What a file is, decided from its bytes (never its name or the browser's claim), and images made safe.

Accepted: JPEG, PNG, WebP and HEIC photos (re-encoded without metadata), PDF, Word and Excel in their
OOXML form (.docx/.xlsx, checked through [Content_Types].xml). Everything else is refused with the name
of what it is, as far as the first bytes tell: HTML, SVG, scripts, executables, archives…
"""

import io
import re
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC (iPhone photos) when pillow-heif is installed; it is in requirements.txt.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - the library is optional for the rest of the app
    HEIC = False

# A photo larger than this is refused rather than decoded (a "decompression bomb" of a few KB can
# claim billions of pixels). 60 megapixels is more than any phone camera makes.
MAX_PIXELS = 60_000_000
THUMBNAIL_SIZE = (320, 320)
IMAGE = "image"
DOCUMENT = "document"

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (part, content type, extension, label, the main part's type [Content_Types].xml must declare: no macros)
OOXML = [
    ("word/document.xml", DOCX, "docx", "Word", b"wordprocessingml.document.main+xml"),
    ("xl/workbook.xml", XLSX, "xlsx", "Excel", b"spreadsheetml.sheet.main+xml"),
]


@dataclass(frozen=True)
class Kind:
    kind: str  # IMAGE or DOCUMENT
    content_type: str
    extension: str
    label: str


JPEG = Kind(IMAGE, "image/jpeg", "jpg", "JPEG")
PNG = Kind(IMAGE, "image/png", "png", "PNG")
WEBP = Kind(IMAGE, "image/webp", "webp", "WebP")
PDF = Kind(DOCUMENT, "application/pdf", "pdf", "PDF")
PILLOW_FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP}


class Refused(Exception):
    """A file this system does not keep, with a message naming what it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def accepted_types() -> str:
    heic = "、HEIC" if HEIC else ""
    return _("只接受照片（JPEG、PNG、WebP%(heic)s）、PDF、Word（.docx）和 Excel（.xlsx）文件。") % {"heic": heic}


def refuse(type_name: str) -> Refused:
    return Refused(_("不接受 %(type)s 文件。") % {"type": type_name} + accepted_types())


_MARKUP = re.compile(rb"^\s*<(!doctype\s+html|html|head|body|script|iframe|meta|a\s|div|p>|title)", re.I)
_EXECUTABLES = {
    b"MZ": gettext_lazy("Windows 可执行程序（EXE/DLL）"),
    b"\x7fELF": gettext_lazy("可执行程序（ELF）"),
    b"\xcf\xfa\xed\xfe": gettext_lazy("可执行程序（Mach-O）"),
    b"\xfe\xed\xfa\xcf": gettext_lazy("可执行程序（Mach-O）"),
    b"\xca\xfe\xba\xbe": gettext_lazy("可执行程序（Java/Mach-O）"),
    b"\x00asm": gettext_lazy("可执行程序（WebAssembly）"),
}
_ARCHIVES = {
    b"\x1f\x8b": "GZIP",
    b"Rar!\x1a\x07": "RAR",
    b"7z\xbc\xaf\x27\x1c": "7-Zip",
    b"BZh": "BZIP2",
    b"\xfd7zXZ\x00": "XZ",
    b"\x28\xb5\x2f\xfd": "Zstandard",
    b"MSCF": "CAB",
}


def _text_head(head: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
    return head.replace(b"\x00", b"")  # UTF-16 markup reads as ASCII with its zero bytes removed


def _named_refusal(head: bytes) -> str:
    """What a refused file is, for the message."""
    for magic, name in _EXECUTABLES.items():
        if head.startswith(magic):
            return str(name)
    for magic, name in _ARCHIVES.items():
        if head.startswith(magic):
            return _("%(name)s 压缩包") % {"name": name}
    if len(head) > 262 and head[257:262] == b"ustar":
        return _("TAR 压缩包")
    text = _text_head(head)
    lowered = text.lstrip().lower()
    if b"<svg" in lowered[:4096] and (lowered.startswith((b"<svg", b"<?xml", b"<!doctype svg", b"<!--"))):
        return "SVG"
    if _MARKUP.match(text) or b"<html" in lowered[:1024] or b"<script" in lowered[:1024]:
        return "HTML"
    if lowered.startswith(b"<?xml"):
        return "XML"
    if text.startswith(b"#!"):
        return _("脚本")
    if head.startswith((b"%!PS", b"{\\rtf")):
        return "PostScript" if head.startswith(b"%!") else "RTF"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("旧版 Office（.doc/.xls，请另存为 .docx/.xlsx 后上传）")
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return _("未知类型")
    return _("纯文本或脚本")


def _ooxml(data: bytes) -> Kind:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError, NotImplementedError):
        raise refuse(_("ZIP 压缩包")) from None
    for part, content_type, extension, label, main in OOXML:
        if part in names and types:
            if main in types:
                return Kind(DOCUMENT, content_type, extension, label)
            if b"macroEnabled" in types:
                raise refuse(_("含宏的 Office 文档")) from None
    raise refuse(_("ZIP 压缩包"))


def _image_kind(head: bytes) -> Kind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc"):
        if not HEIC:
            raise refuse("HEIC")
        return Kind(IMAGE, "image/heic", "heic", "HEIC")
    return None


def detect(data: bytes) -> Kind:
    """The kind of `data` from its content, or Refused naming what it is."""
    head = data[:8192]
    if not head:
        raise Refused(_("文件是空的。"))
    image = _image_kind(head)
    if image is not None:
        return image
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:  # a PDF ends with its trailer; anything else only borrowed the header
            raise Refused(_("PDF 文件不完整或已损坏。"))
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    raise refuse(_named_refusal(head))


@dataclass
class CleanImage:
    data: bytes
    kind: Kind
    thumbnail: bytes
    width: int
    height: int


def _plain(image: Image.Image, *, alpha: bool) -> Image.Image:
    """The pixels only: a new image without EXIF, XMP, comments or any other metadata."""
    mode = "RGBA" if alpha and image.mode in ("RGBA", "LA", "PA", "P") and _has_alpha(image) else "RGB"
    if image.mode == "L" and not alpha:
        mode = "L"
    converted = image.convert(mode)
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def clean_image(data: bytes, kind: Kind) -> CleanImage:
    """Decode, turn upright, drop every metadata block (GPS position, camera serials), re-encode; a thumbnail."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise Refused(
                    _("照片太大（%(w)s×%(h)s 像素），请缩小后上传。") % {"w": opened.width, "h": opened.height}
                )
            expected = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}
            if opened.format != expected[kind.content_type]:
                raise refuse(opened.format or _("未知类型"))
            opened.load()
            upright = ImageOps.exif_transpose(opened)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise Refused(_("照片文件已损坏，无法读取。")) from None
    # HEIC is kept as JPEG: browsers do not show HEIC.
    target = JPEG if kind.content_type == "image/heic" else kind
    plain = _plain(upright, alpha=target is not JPEG)
    out = io.BytesIO()
    if target is JPEG:
        plain.save(out, "JPEG", quality=88, optimize=True)
    elif target is PNG:
        plain.save(out, "PNG", optimize=True)
    else:
        plain.save(out, "WEBP", quality=88)
    thumb = plain.copy()
    if thumb.mode == "RGBA":  # transparent parts on white, not black
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    thumb = thumb.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80)
    return CleanImage(out.getvalue(), target, thumb_out.getvalue(), plain.width, plain.height)
