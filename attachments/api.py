"""JSON for a case's attachments: POST /api/cases/{id}/attachments/ (multipart) and GET (session or token)."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from accounts import roles
from attachments import selectors, services
from cases.models import Case

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="4xx：{字段名: [说明]} 或 {detail: 说明}")


class WorksOnCases(BasePermission):
    """Street-office staff, or a committee member confined to a neighbourhood (people and service accounts)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return roles.is_staff_member(user) or roles.committee_neighbourhood_id(user) is not None


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, obj) -> str:
        # A link (an Open311 media_url) points where it was sent from; a file only through the scoped view.
        return obj.link if obj.is_link else self._absolute(reverse("attachments:download", args=[obj.pk]))

    def get_thumbnail_url(self, obj) -> str | None:
        if not obj.thumbnail:
            return None
        return self._absolute(reverse("attachments:thumbnail", args=[obj.pk]))


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="照片（JPEG、PNG、WebP、HEIC）、PDF、Word（.docx）或 Excel（.xlsx）")
    event = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="本案件的办理记录编号")
    personal = serializers.BooleanField(required=False, default=False, help_text="含个人信息（清除个人信息时一并删除）")
    public = serializers.BooleanField(
        required=False, default=False, help_text="公开照片（Open311 可见；仅街道工作人员）"
    )


def _case(request, pk) -> Case:
    case = Case.objects.visible_to(request.user).filter(pk=pk).first()
    if case is None:  # another neighbourhood's case does not exist for a committee
        raise Http404
    return case


@extend_schema(
    methods=["GET"],
    responses={200: AttachmentSerializer(many=True), 401: ERROR, 403: ERROR, 404: ERROR},
)
@extend_schema(
    methods=["POST"],
    request={"multipart/form-data": UploadSerializer},
    responses={201: AttachmentSerializer, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 413: ERROR},
)
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
@permission_classes([IsAuthenticated, WorksOnCases])
def case_attachments(request, pk: int):
    """GET: the case's photos, documents and links. POST: add one file (multipart field `file`)."""
    case = _case(request, pk)
    if request.method == "GET":
        files = selectors.case_attachments(request.user, case)
        return Response(AttachmentSerializer(files, many=True, context={"request": request}).data)
    form = UploadSerializer(data=request.data)
    form.is_valid(raise_exception=True)
    data = form.validated_data
    try:
        attachment = services.attachment_add(
            case_id=case.pk,
            actor=request.user,
            upload=data["file"],
            event_id=data.get("event"),
            personal=data["personal"],
            public=data["public"],
        )
    except services.AttachmentError as error:
        body = {error.field: error.message} if error.field == "detail" else {error.field: [error.message]}
        return Response(body, status=error.status)
    return Response(AttachmentSerializer(attachment, context={"request": request}).data, status=status.HTTP_201_CREATED)
