"""JSON for similar cases and classes (session or token auth; scoped like the pages)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from api.views import READ_ERRORS
from cases.models import Case
from matters import selectors
from matters.models import MatterClass


class SimilarSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    reference = serializers.CharField(source="case.reference")
    title = serializers.CharField(source="case.title")
    kind = serializers.CharField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class ClassSerializer(serializers.ModelSerializer):
    category = serializers.StringRelatedField()
    method = serializers.StringRelatedField()
    size = serializers.IntegerField(read_only=True, default=None)
    growth = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = MatterClass
        fields = [
            "id",
            "title",
            "root_problem",
            "status",
            "category",
            "method",
            "target_count",
            "target_year",
            "size",
            "growth",
        ]


class ClassDetailSerializer(ClassSerializer):
    route = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()

    class Meta(ClassSerializer.Meta):
        fields = [*ClassSerializer.Meta.fields, "route", "progress", "cases"]

    def get_route(self, obj) -> list[dict]:
        return [{"position": s.position, "name": s.name, "responsible": s.responsible} for s in obj.steps.all()]

    def get_progress(self, obj) -> dict:
        return selectors.class_progress(obj)

    def get_cases(self, obj) -> list[int]:
        user = self.context["request"].user
        return sorted(selectors.visible_members(user, obj).values_list("pk", flat=True))


@extend_schema(responses={200: SimilarSerializer(many=True), **READ_ERRORS})
@api_view(["GET"])
def case_similar(request, pk: int):
    """Similar cases of one case, best first: [{id, reference, title, kind, score, reasons}]."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    return Response(SimilarSerializer(selectors.similar_cases(request.user, case), many=True).data)


@extend_schema(responses={200: ClassSerializer(many=True), **READ_ERRORS})
@api_view(["GET"])
def class_list(request):
    """Classes of matters, ranked by growth this month and size."""
    classes = selectors.ranked_classes(request.user)
    return Response(ClassSerializer(classes, many=True).data)


@extend_schema(responses={200: ClassDetailSerializer, **READ_ERRORS})
@api_view(["GET"])
def class_detail(request, pk: int):
    """One class with its route, progress and the ids of the member cases the caller may see."""
    matter_class = selectors.get_class(request.user, pk)
    return Response(ClassDetailSerializer(matter_class, context={"request": request}).data)
