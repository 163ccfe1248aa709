"""Pages for attachments: upload (without JavaScript too), download through the case's scoping, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from attachments import selectors, services
from attachments.forms import UploadForm
from cases import selectors as case_selectors

# A file answered by these views is never a page: it may not run script, load anything or be framed.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


def file_response(attachment, *, thumbnail: bool = False) -> FileResponse:
    """The stored bytes with the type decided at upload, a Content-Disposition and nosniff."""
    stored = attachment.thumbnail if thumbnail else attachment.file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = thumbnail or attachment.is_image
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.name if not thumbnail else f"thumbnail-{attachment.pk}.jpg",
        content_type="image/jpeg" if thumbnail else attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _caller(request):
    """The signed-in person, or the service account of an `Authorization: Token` header (the API's `url`)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        found = None
    return found[0] if found else None


def _scoped_file(request, pk, *, thumbnail: bool = False):
    user = _caller(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    return file_response(selectors.attachment_for(user, pk), thumbnail=thumbnail)


@login_not_required  # a person's session or a system's token (checked in _caller); anyone else signs in
@require_GET
def download(request, pk):
    return _scoped_file(request, pk)


@login_not_required
@require_GET
def thumbnail(request, pk):
    return _scoped_file(request, pk, thumbnail=True)


@login_not_required
@require_GET
def public_photo(request, key):
    """A photo staff published for Open311: public, found only by its unguessable key."""
    response = file_response(selectors.public_photo(key))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_POST
def upload(request, pk):
    """The form's own submit (without JavaScript): every file checked alone, each refusal named."""
    case = case_selectors.case_for(request.user, pk, request=request)
    form = UploadForm(request.POST, case=case)
    files = request.FILES.getlist("file")
    if not form.is_valid() or not files:
        messages.error(request, _("请选择要上传的文件。") if form.is_valid() else form.errors.as_text())
        return redirect("cases:detail", pk=case.pk)
    added = 0
    for upload in files:
        try:
            services.attachment_add(case_id=case.pk, actor=request.user, upload=upload, **form.service_kwargs())
        except services.AttachmentError as error:
            messages.error(request, error.message)
        else:
            added += 1
    if added:
        messages.success(request, _("已上传 %(count)s 个附件。") % {"count": added})
    return redirect("cases:detail", pk=case.pk)


@require_POST
def delete(request, pk):
    attachment = selectors.attachment_for(request.user, pk)
    try:
        services.attachment_delete(attachment_id=attachment.pk, actor=request.user)
    except services.AttachmentError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", pk=attachment.case_id)
    messages.success(request, _("附件“%(name)s”已删除，办理记录中留有记录。") % {"name": attachment.name})
    return redirect("cases:detail", pk=attachment.case_id)


@require_POST
def publish(request, pk):
    attachment = selectors.attachment_for(request.user, pk)
    public = request.POST.get("public") == "1"
    try:
        services.attachment_publish(attachment_id=attachment.pk, actor=request.user, public=public)
    except services.AttachmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("照片已公开。") if public else _("照片已取消公开。"))
    return redirect("cases:detail", pk=attachment.case_id)
