"""The REST API: cases (through cases.services), their moves, and the reference data a client needs."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as drf_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import serializers as s
from api.errors import error_response
from api.merging import PREFETCH as MERGE_PREFETCH
from api.merging import MergingActions
from api.permissions import WorksOnCases
from cases import permissions, selectors
from cases.filters import CaseFilter
from cases.models import Category, Channel, Department, RequestType
from cases.services import (
    CaseError,
    NotPermitted,
    StaleEdit,
    case_create,
    case_transition,
    case_update,
    extension_decide,
    extension_request,
)
from methods.models import Method

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="4xx：{字段名: [说明]} 或 {detail: 说明}")
READ_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR}
WRITE_ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: s.ConflictSerializer}
DOMAIN_ERRORS = (CaseError, ValidationError, IntegrityError)


class Pages(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiCaseFilter(CaseFilter):
    """The case list's own filters, plus lookups by the numbers other systems hold."""

    external_id = drf_filters.CharFilter(field_name="external_id")
    reference = drf_filters.CharFilter(field_name="reference")


class CaseFilterBackend(drf_filters.DjangoFilterBackend):
    """CaseFilter starts from the user's visible cases itself (selectors.cases_for)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {"data": request.query_params, "request": request}

    def filter_queryset(self, request, queryset, view):
        queryset = super().filter_queryset(request, queryset, view)
        return queryset.prefetch_related("assisting_departments", *MERGE_PREFETCH)


class ApiMixin:
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = Pages
    # Any path segment reaches the view, so that a malformed id gets a JSON 404, not the HTML one.
    lookup_value_regex = r"[^/]+"

    def get_object(self):
        raw = self.kwargs["pk"]
        if not (raw.isascii() and raw.isdigit() and int(raw) < 2**63):
            raise NotFound
        obj = get_object_or_404(self.get_queryset(), pk=int(raw))
        self.check_object_permissions(self.request, obj)
        return obj


@extend_schema_view(
    list=extend_schema(responses={200: s.CaseSerializer(many=True), 400: ERROR, **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.CaseSerializer, **READ_ERRORS}),
)
class CaseViewSet(ApiMixin, MergingActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases the caller may see: all for street-office staff, one neighbourhood's for a committee."""

    serializer_class = s.CaseSerializer
    permission_classes = [IsAuthenticated, WorksOnCases]
    filter_backends = [CaseFilterBackend]
    filterset_class = ApiCaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # Another neighbourhood's case does not exist for a committee: 404, never 403.
        return selectors.cases_for(self.request.user).prefetch_related("assisting_departments", *MERGE_PREFETCH)

    def _show(self, case_id: int, code=status.HTTP_200_OK) -> Response:
        case = selectors.case_for(self.request.user, case_id, request=self.request)
        return Response(self.get_serializer(case).data, status=code)

    @extend_schema(request=s.CaseWriteSerializer, responses={201: s.CaseSerializer, **WRITE_ERRORS})
    def create(self, request):
        form = s.CaseWriteSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            case = case_create(actor=request.user, data=form.for_create())
        except DOMAIN_ERRORS as error:
            return error_response(error, user=request.user)
        return self._show(case.pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.CaseUpdateSerializer, responses={200: s.CaseSerializer, **WRITE_ERRORS})
    def partial_update(self, request, pk=None):
        case = self.get_object()
        form = s.CaseUpdateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version")
        try:
            case_update(case_id=case.pk, actor=request.user, expected_version=version, data=data)
        except DOMAIN_ERRORS as error:
            return error_response(error, user=request.user, case=case)
        return self._show(case.pk)

    @extend_schema(request=s.MoveSerializer, responses={200: s.CaseSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Make one status move (dispatch, accept, start, hold, resume, resolve, visit, remind, …)."""
        case = self.get_object()
        form = s.MoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        version = data.pop("version", None)
        if version is not None and version != case.version:
            stale = StaleEdit(
                _("在您读取之后，其他人已修改了该案件。请重新读取后再操作。"),
                events=list(case.events.filter(case_version__gt=version).select_related("actor")),
            )
            return error_response(stale, user=request.user, case=case)
        try:
            case_transition(case_id=case.pk, actor=request.user, **data)
        except DOMAIN_ERRORS as error:
            return error_response(error, user=request.user, case=case)
        return self._show(case.pk)

    @extend_schema(request=s.ExtensionRequestSerializer, responses={200: s.CaseSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        """Ask for more working days to resolve the case (one pending request at a time)."""
        case = self.get_object()
        form = s.ExtensionRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            extension_request(case_id=case.pk, actor=request.user, **form.validated_data)
        except DOMAIN_ERRORS as error:
            return error_response(error, user=request.user, case=case)
        return self._show(case.pk)

    @extend_schema(request=s.ExtensionDecideSerializer, responses={200: s.CaseSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="extension/decide", url_name="extension-decide")
    def decide_extension(self, request, pk=None):
        """Approve or refuse the case's pending extension request. Nobody decides their own request."""
        case = self.get_object()
        if not permissions.allowed(request.user, "decide_extension"):
            return error_response(NotPermitted(_("只有街道工作人员可以审批延期。")), user=request.user, case=case)
        form = s.ExtensionDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        pending = case.extensions.filter(status="pending").first()
        if pending is None:
            message = _("该案件没有待审批的延期申请。")
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        try:
            extension_decide(extension_id=pending.pk, actor=request.user, **form.validated_data)
        except DOMAIN_ERRORS as error:
            return error_response(error, user=request.user, case=case)
        return self._show(case.pk)


@extend_schema_view(
    list=extend_schema(responses={200: s.CategorySerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.CategorySerializer, **READ_ERRORS}),
)
class CategoryViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """The two-level category tree; cases use the second level (is_leaf)."""

    serializer_class = s.CategorySerializer
    queryset = Category.objects.select_related("parent")


def _reference_viewset(model, serializer, doc: str):
    schema = extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **READ_ERRORS}),
        retrieve=extend_schema(responses={200: serializer, **READ_ERRORS}),
    )
    return schema(
        type(
            f"{model.__name__}ViewSet",
            (ApiMixin, viewsets.ReadOnlyModelViewSet),
            {"queryset": model.objects.all(), "serializer_class": serializer, "__doc__": doc},
        )
    )


ChannelViewSet = _reference_viewset(Channel, s.ChannelSerializer, "来源渠道。")
RequestTypeViewSet = _reference_viewset(RequestType, s.RequestTypeSerializer, "诉求类型。")
DepartmentViewSet = _reference_viewset(Department, s.DepartmentSerializer, "主办和协办单位。")
MethodViewSet = _reference_viewset(Method, s.MethodSerializer, "孺子牛工作法。")


class _Places(ApiMixin, viewsets.ReadOnlyModelViewSet):
    """Places the caller may see: every place for staff, their own neighbourhood's for a committee."""

    permission_classes = [IsAuthenticated, WorksOnCases]


@extend_schema_view(
    list=extend_schema(responses={200: s.NeighbourhoodSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.NeighbourhoodSerializer, **READ_ERRORS}),
)
class NeighbourhoodViewSet(_Places):
    serializer_class = s.NeighbourhoodSerializer

    def get_queryset(self):
        return selectors.neighbourhoods_for(self.request.user)


@extend_schema_view(
    list=extend_schema(responses={200: s.EstateSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.EstateSerializer, **READ_ERRORS}),
)
class EstateViewSet(_Places):
    serializer_class = s.EstateSerializer

    def get_queryset(self):
        return selectors.estates_for(self.request.user).order_by("name")


@extend_schema_view(
    list=extend_schema(responses={200: s.BuildingSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: s.BuildingSerializer, **READ_ERRORS}),
)
class BuildingViewSet(_Places):
    serializer_class = s.BuildingSerializer

    def get_queryset(self):
        return selectors.buildings_for(self.request.user).order_by("estate__name", "number", "id")


@csrf_exempt  # it changes nothing: a POST to a path that names no endpoint is a JSON 404, not an HTML 403
def not_found(request, *args, **kwargs):
    """The JSON answer for a path under /api/ that names no endpoint."""
    return JsonResponse({"detail": _("没有这个接口地址。")}, status=404)
