"""JSON of early warnings (session or token auth; scoped like cases)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alerts import selectors
from alerts.models import Warning, WarningKind
from api.permissions import WorksOnCases
from api.views import READ_ERRORS


class WarningSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=WarningKind.choices)
    case_ids = serializers.SerializerMethodField()
    acknowledged = serializers.BooleanField(read_only=True)

    class Meta:
        model = Warning
        fields = ["id", "kind", "title", "case_ids", "created_at", "acknowledged"]

    def get_case_ids(self, obj) -> list[int]:
        return self.context["case_ids"][obj.pk]


@extend_schema(responses={200: WarningSerializer(many=True), **READ_ERRORS})
@api_view(["GET"])
@permission_classes([IsAuthenticated, WorksOnCases])
def warning_list(request):
    """Early warnings newest first (at most 500): every one for staff, a committee's neighbourhood's for it."""
    kind = request.query_params.get("kind", "")
    warnings = list(selectors.warnings_for(request.user, kind=kind if kind in WarningKind.values else "")[:500])
    context = {"case_ids": selectors.case_ids_of(warnings)}
    return Response(WarningSerializer(warnings, many=True, context=context).data)
