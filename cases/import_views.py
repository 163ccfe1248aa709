"""The staff import page: upload a CSV/XLSX, see every bad row, then commit all-or-nothing.

The upload is kept between preview and commit as a file with a random name in IMPORT_UPLOAD_DIR; the commit form
carries only a signed token (file name, user, options) that expires, so nobody can commit another person's
upload or point the import at an arbitrary path.
"""

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from cases.importing import COLUMNS, ImportFileError, import_cases
from places.models import Neighbourhood

TOKEN_SALT = "cases.import"
TOKEN_MAX_AGE = 60 * 60
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(csv|xlsx)$")


def upload_dir() -> Path:
    path = Path(settings.IMPORT_UPLOAD_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件（CSV 或 XLSX）"))
    neighbourhood = forms.ModelChoiceField(
        Neighbourhood.objects.all(),
        required=False,
        label=gettext_lazy("默认居民区"),
        help_text=gettext_lazy("新案件未填写居民区（也未填写已有小区）时使用"),
    )
    create_missing = forms.BooleanField(
        required=False,
        label=gettext_lazy("自动新建未知的类别、居民区、小区、楼栋、渠道和诉求类型"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("只能导入 CSV（UTF-8）或 XLSX 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 50 MB。"))
        return upload


def _staff_only(request) -> None:
    if not roles.is_staff_member(request.user):
        raise PermissionDenied(_("只有街道工作人员可以导入案件。"))


def _store(upload) -> str:
    folder = upload_dir()
    for old in folder.iterdir():  # uploads nobody committed within a day
        if old.stat().st_mtime < time.time() - 24 * 3600:
            old.unlink(missing_ok=True)
    name = f"{secrets.token_hex(16)}.{upload.name.lower().rsplit('.', 1)[1]}"
    with (folder / name).open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return name


def upload(request):
    _staff_only(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        hood = form.cleaned_data["neighbourhood"]
        options = {
            "create_missing": form.cleaned_data["create_missing"],
            "default_neighbourhood": hood.name if hood else None,
        }
        name = _store(form.cleaned_data["file"])
        return _preview(request, name, form.cleaned_data["file"].name, options)
    return render(request, "cases/import_upload.html", {"form": form, "columns": COLUMNS})


def _preview(request, name: str, original: str, options: dict):
    try:
        result = import_cases((upload_dir() / name).read_bytes(), name, actor=request.user, dry_run=True, **options)
    except ImportFileError as error:
        (upload_dir() / name).unlink(missing_ok=True)
        context = {"form": UploadForm(), "columns": COLUMNS, "file_error": str(error)}
        return render(request, "cases/import_upload.html", context, status=400)
    token = signing.dumps({"file": name, "user": request.user.pk, "original": original, **options}, salt=TOKEN_SALT)
    context = {"result": result, "token": token if result.ok else "", "original": original, "options": options}
    return render(request, "cases/import_preview.html", context)


@require_POST
def commit(request):
    _staff_only(request)
    try:
        ticket = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("导入已过期或无效，请重新上传文件。"))
        return redirect("imports:upload")
    path = upload_dir() / ticket["file"]
    if ticket["user"] != request.user.pk or not STORED_NAME.match(ticket["file"]) or not path.is_file():
        messages.error(request, _("导入已过期或无效，请重新上传文件。"))
        return redirect("imports:upload")
    options = {"create_missing": ticket["create_missing"], "default_neighbourhood": ticket["default_neighbourhood"]}
    # Claim the upload by renaming it: of two commits of one token (a double click, two tabs) only one rename
    # succeeds, so a file is imported once.
    claimed = path.with_name(f"{path.name}.{secrets.token_hex(4)}.claimed")
    try:
        path.rename(claimed)
    except FileNotFoundError:
        messages.error(request, _("该文件已经导入或正在导入，未重复写入。"))
        return redirect("imports:upload")
    try:
        result = import_cases(claimed.read_bytes(), ticket["file"], actor=request.user, **options)
    except ImportFileError as error:
        result = None
        messages.error(request, str(error))
    finally:
        claimed.unlink(missing_ok=True)
    if result is not None and not result.ok:  # the data changed since the preview
        context = {"result": result, "token": "", "original": ticket["original"], "options": options}
        return render(request, "cases/import_preview.html", context, status=409)
    if result is None:
        return redirect("imports:upload")
    messages.success(
        request,
        _("导入完成：新建 %(created)s 件，更新 %(updated)s 件，未变 %(unchanged)s 件。")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    try:
        return redirect(reverse("cases:list"))
    except NoReverseMatch:
        return redirect("imports:upload")
