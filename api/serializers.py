"""What the API shows and accepts. Reads mask residents' phones; writes go through cases.services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import roles
from accounts.names import display_name
from cases import permissions, selectors
from cases.models import (
    ANSWERED_RESULTS,
    DESCRIPTION_MAX,
    NOTE_MAX,
    TITLE_MAX,
    Case,
    Category,
    Channel,
    Department,
    RequestType,
    Team,
    Urgency,
    VisitReason,
    VisitResult,
)
from cases.personal import mask_text, visible_changes
from cases.validators import mask_phone
from cases.workflow import MOVES
from methods.models import Method
from places.models import Building, Estate, Neighbourhood

# --- reference data --------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="__str__", read_only=True)
    is_leaf = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "full_name", "parent", "is_leaf", "handling_days", "is_complex", "is_active"]

    def get_is_leaf(self, category: Category) -> bool:
        return category.parent_id is not None


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "name", "code", "is_active"]


class RequestTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestType
        fields = ["id", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "is_active"]


class NeighbourhoodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Neighbourhood
        fields = ["id", "name", "address"]


class EstateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Estate
        fields = [
            "id",
            "name",
            "neighbourhood",
            "address",
            "housing_type",
            "year_built",
            "property_status",
            "property_company",
        ]


class BuildingSerializer(serializers.ModelSerializer):
    elevator_age = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Building
        fields = ["id", "estate", "number", "floors", "elevator_count", "elevators_installed_year", "elevator_age"]


class MethodSerializer(serializers.ModelSerializer):
    steps = serializers.ListField(source="step_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Method
        fields = ["id", "number", "name", "motto", "summary", "when_to_use", "steps", "example", "categories"]


# --- cases -----------------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    """A case as the API shows it: the phone is always masked; a confidential resident is hidden from
    committees (the same rule as the case page)."""

    category_name = serializers.CharField(source="category.__str__", read_only=True)
    neighbourhood_name = serializers.CharField(source="neighbourhood.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    visit_result = serializers.CharField(
        read_only=True, help_text=_("satisfied、basically、unsatisfied、unreachable（无法联系）或空")
    )
    visit_reason = serializers.CharField(
        read_only=True, help_text=_("不满意原因：unresolved、partly、attitude、timeliness、other 或空")
    )
    assignee_name = serializers.SerializerMethodField()
    # 并单 and 拆单 (cases/merging.py)
    merged_into = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("已并单时：主案件的 id，否则为 null")
    )
    master = serializers.SerializerMethodField(help_text=_("已并单时：主案件的编号、状态和办理结果"))
    complainants = serializers.SerializerMethodField(help_text=_("诉求人数：本案、并入本案的案件和共同诉求人"))
    merged = serializers.SerializerMethodField(help_text=_("并入本案的案件 id"))
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text=_("拆单时：母案件的 id"))
    children = serializers.SerializerMethodField(help_text=_("拆出的子案件 id"))

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "external_id",
            "title",
            "description",
            "request_type",
            "category",
            "category_name",
            "channel",
            "received_at",
            "urgency",
            "reporter_name",
            "reporter_phone",
            "reporter_confidential",
            "neighbourhood",
            "neighbourhood_name",
            "estate",
            "building",
            "address",
            "lead_department",
            "assisting_departments",
            "team",
            "assignee",
            "method",
            "status",
            "status_display",
            "is_overdue",
            "first_contact_due",
            "due_at",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "resolution",
            "public_reply",
            "visit_result",
            "visit_reason",
            "visit_independent",
            "visit_due",
            "rework_count",
            "assignee_name",
            "merged_into",
            "master",
            "complainants",
            "merged",
            "parent",
            "children",
            "allowed_actions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_reporter_name(self, case: Case) -> str:
        return case.reporter_name if selectors.can_see_reporter(self._user(), case) else ""

    def get_reporter_phone(self, case: Case) -> str:
        return mask_phone(case.reporter_phone) if selectors.can_see_reporter(self._user(), case) else ""

    def get_assignee_name(self, case: Case) -> str:
        return display_name(case.assignee) if case.assignee_id else ""

    def get_allowed_actions(self, case: Case) -> list[str]:
        return permissions.moves_for(self._user(), case)

    def to_representation(self, case: Case) -> dict:
        data = super().to_representation(case)
        for name in ("title", "description", "resolution"):  # a resident's words may hold their numbers
            data[name] = mask_text(data[name])
        return data

    # The lists below read prefetched rows when the view prefetched them (api.merging.PREFETCH): no query per row.
    def get_master(self, case: Case) -> dict | None:
        master = case.merged_into if case.merged_into_id else None
        if master is None:
            return None
        return {
            "id": master.pk,
            "reference": master.reference,
            "status": master.status,
            "status_display": master.get_status_display(),
            "resolution": mask_text(master.resolution),
            "visit_result": master.visit_result,
        }

    def get_complainants(self, case: Case) -> int:
        merged = list(case.merged_cases.all())
        return 1 + len(merged) + len(case.complainants.all()) + sum(len(m.complainants.all()) for m in merged)

    def get_merged(self, case: Case) -> list[int]:
        return sorted(m.pk for m in case.merged_cases.all())

    def get_children(self, case: Case) -> list[int]:
        return sorted(child.pk for child in case.children.all())


def _active(model):
    return model.objects.filter(is_active=True)


class CaseWriteSerializer(serializers.Serializer):
    """The editable fields of a case (cases.services.EDITABLE_FIELDS); ids for every relation."""

    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.exclude(parent=None))
    neighbourhood = serializers.PrimaryKeyRelatedField(queryset=Neighbourhood.objects.all())
    received_at = serializers.DateTimeField(required=False)
    request_type = serializers.PrimaryKeyRelatedField(queryset=RequestType.objects.all())
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.filter(is_active=True))
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, write_only=True)
    reporter_confidential = serializers.BooleanField(required=False)
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all(), required=False, allow_null=True)
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lead_department = serializers.PrimaryKeyRelatedField(queryset=_active(Department), required=False, allow_null=True)
    assisting_departments = serializers.PrimaryKeyRelatedField(queryset=_active(Department), many=True, required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=_active(Team), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=selectors.case_workers(), required=False, allow_null=True)
    method = serializers.PrimaryKeyRelatedField(queryset=Method.objects.in_use(), required=False, allow_null=True)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the places the caller may see: another neighbourhood's estate is an unknown id, not "not yours".
        user = self.context["request"].user if "request" in self.context else None
        if user is not None:
            self.fields["neighbourhood"].queryset = selectors.neighbourhoods_for(user)
            self.fields["estate"].queryset = selectors.estates_for(user)
            self.fields["building"].queryset = selectors.buildings_for(user)

    def validate_received_at(self, value):
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise serializers.ValidationError(_("受理时间不能晚于现在。"))
        return value

    def for_create(self) -> dict:
        data = dict(self.validated_data)
        data.setdefault("received_at", timezone.now())
        return data


class CaseUpdateSerializer(CaseWriteSerializer):
    """A partial edit; `version` is the version the client last read (optimistic locking)."""

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False


class MoveSerializer(serializers.Serializer):
    """One status move from the table in cases/workflow.py."""

    action = serializers.ChoiceField(choices=[(name, move.label) for name, move in MOVES.items()])
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    resolution = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
    public_reply = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX,
        help_text=_("办结时：给诉求人看的答复口径（公开进度查询页显示）"),
    )
    method = serializers.PrimaryKeyRelatedField(queryset=Method.objects.in_use(), required=False, allow_null=True)
    visit_result = serializers.ChoiceField(
        choices=[(value, VisitResult(value).label) for value in ANSWERED_RESULTS],
        required=False,
        allow_blank=True,
        default="",
    )
    visit_reason = serializers.ChoiceField(
        choices=VisitReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("回访不满意时必填；“其他”时在 note 中写明原因"),
    )
    visit_reached = serializers.BooleanField(
        required=False, default=True, help_text=_("false：未接通（记一次回访尝试，三次未接通按“无法联系”结案）")
    )
    lead_department = serializers.PrimaryKeyRelatedField(queryset=_active(Department), required=False, allow_null=True)
    assisting_departments = serializers.PrimaryKeyRelatedField(
        queryset=_active(Department), many=True, required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(queryset=_active(Team), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=selectors.case_workers(), required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("可选：客户端读到的版本号，已过时则返回 409")
    )


class ExtensionRequestSerializer(serializers.Serializer):
    """Ask for more working days (延期申请)."""

    days = serializers.IntegerField(min_value=1, max_value=60)
    reason = serializers.CharField()


class ExtensionDecideSerializer(serializers.Serializer):
    """Decide the case's pending extension request; nobody decides their own."""

    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class StaleEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    action = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    note = serializers.CharField()
    changes = ChangeSerializer(many=True)
    case_version = serializers.IntegerField()


class ConflictSerializer(serializers.Serializer):
    """409: the case changed since the client read it."""

    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField(), required=False)
    current_version = serializers.IntegerField(required=False, help_text=_("版本冲突时：案件的当前版本号"))
    changes = StaleEventSerializer(many=True, required=False, help_text=_("版本冲突时：此后的每一次修改"))


def stale_event_data(event, *, user, case: Case) -> dict:
    """One timeline line for a 409 answer, with the resident's data as masked as anywhere else."""
    return {
        "kind": event.kind,
        "action": event.action,
        "actor": display_name(event.actor) if event.actor_id else None,
        "created_at": event.created_at,
        "note": mask_text(event.note),
        "changes": visible_changes(event.changes, can_see_reporter=selectors.can_see_reporter(user, case)),
        "case_version": event.case_version,
    }


# --- 并单, 拆单 and co-complainants (api/merging.py) -------------------------------------------------


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("主案件的 id"))
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("并单理由"))


class UnmergeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("撤销并单的理由"))


class SplitPartSerializer(CaseWriteSerializer):
    """One demand of a split case: title, description and category; the other fields default to the parent's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("title", "description", "category"):
                field.required = False


class SplitSerializer(serializers.Serializer):
    parts = SplitPartSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SplitResultSerializer(serializers.Serializer):
    parent = serializers.IntegerField()
    children = serializers.ListField(child=serializers.IntegerField())


class ComplainantWriteSerializer(serializers.Serializer):
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    reporter_confidential = serializers.BooleanField(required=False, default=False)
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.filter(is_active=True), required=False, allow_null=True
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class ComplainantSerializer(serializers.Serializer):
    """A co-complainant as the API shows it: phone masked, a confidential one hidden from committees."""

    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    reporter_name = serializers.SerializerMethodField()
    reporter_phone = serializers.SerializerMethodField()
    reporter_confidential = serializers.BooleanField(source="confidential")
    channel = serializers.IntegerField(source="channel_id", allow_null=True)
    received_at = serializers.DateTimeField()
    description = serializers.SerializerMethodField()
    visit_result = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_description(self, complainant) -> str:
        """Their own words, numbers masked; none of a confidential resident's to whom they are hidden."""
        return mask_text(complainant.description) if self._visible(complainant) else ""

    def _visible(self, complainant) -> bool:
        return not complainant.confidential or roles.is_staff_member(self.context["request"].user)

    def get_reporter_name(self, complainant) -> str:
        return complainant.name if self._visible(complainant) else ""

    def get_reporter_phone(self, complainant) -> str:
        return mask_phone(complainant.phone) if self._visible(complainant) else ""
