"""The REST actions of 并单, 拆单 and co-complainants, mixed into api.views.CaseViewSet (same services as the pages)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers as s
from api.errors import error_response
from cases import merging
from cases.services import CaseError

# What CaseSerializer's merge fields read, fetched once per page of cases.
PREFETCH = ["merged_into", "merged_cases__complainants", "complainants", "children"]
DOMAIN_ERRORS = (CaseError, ValidationError, IntegrityError)
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="4xx：{字段名: [说明]} 或 {detail: 说明}")
ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}


def _refused(error, *, user, case):
    """Another neighbourhood's case does not exist for a committee: 404, as everywhere."""
    if isinstance(error, merging.Unseen):
        return Response({"detail": error.message, error.field or "detail": [error.message]}, status=404)
    return error_response(error, user=user, case=case)


class MergingActions:
    @extend_schema(request=s.MergeSerializer, responses={200: s.CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """并单: fold this case into the case `into` (or into its master); this case becomes "merged"."""
        case = self.get_object()
        form = s.MergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            merging.case_merge(case_id=case.pk, into_id=form.validated_data["into"], actor=request.user, **_note(form))
        except DOMAIN_ERRORS as error:
            return _refused(error, user=request.user, case=case)
        return self._show(case.pk)

    @extend_schema(request=s.UnmergeSerializer, responses={200: s.CaseSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def unmerge(self, request, pk=None):
        """撤销并单 (street-office staff): the case gets back the status it had, `merged_into` null."""
        case = self.get_object()
        form = s.UnmergeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            merging.case_unmerge(case_id=case.pk, actor=request.user, **_note(form))
        except DOMAIN_ERRORS as error:
            return _refused(error, user=request.user, case=case)
        return self._show(case.pk)

    @extend_schema(request=s.SplitSerializer, responses={201: s.SplitResultSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        """拆单: one child case per part; the parent cannot be resolved while a child is open."""
        case = self.get_object()
        form = s.SplitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        parts = [dict(part) for part in form.validated_data["parts"]]
        try:
            children = merging.case_split(case_id=case.pk, actor=request.user, parts=parts, **_note(form))
        except DOMAIN_ERRORS as error:
            return _refused(error, user=request.user, case=case)
        return Response({"parent": case.pk, "children": [child.pk for child in children]}, status=201)

    @extend_schema(request=s.ComplainantWriteSerializer, responses={201: s.ComplainantSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def complainants(self, request, pk=None):
        """Record another caller about this matter as a co-complainant (共同诉求人): no new case."""
        case = self.get_object()
        form = s.ComplainantWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            complainant = merging.complainant_add(
                case_id=case.pk,
                actor=request.user,
                name=data["reporter_name"],
                phone=data["reporter_phone"],
                confidential=data["reporter_confidential"],
                channel=data.get("channel"),
                received_at=data.get("received_at"),
                description=data["description"],
            )
        except DOMAIN_ERRORS as error:
            return _refused(error, user=request.user, case=case)
        body = s.ComplainantSerializer(complainant, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _note(form) -> dict:
    return {"note": form.validated_data.get("note", "")}
