"""Case desk forms: they validate and shape input; the services in cases/services.py do the writing."""

import uuid

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.names import display_name
from cases import selectors, vocabularies
from cases.models import ANSWERED_RESULTS, NOTE_MAX, Case, Category, Department, Team, VisitReason, VisitResult
from cases.personal import mask_text, restore_numbers
from cases.services import EDITABLE_FIELDS
from cases.validators import mask_phone
from cases.workflow import MOVES
from methods.models import Method

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
FORM_FIELDS = [name for name in EDITABLE_FIELDS if name != "external_id"]
REPORTER_FIELDS = ["reporter_name", "reporter_phone", "reporter_confidential"]


class IdsField(forms.ModelMultipleChoiceField):
    """Several rows by id. An id past any database integer (or not a number) is an invalid choice, as Django says
    of an unknown id, instead of an overflow in the database driver (a 500)."""

    def _check_values(self, value):
        for pk in value:
            if selectors.as_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class CaseForm(forms.ModelForm):
    """Log or edit a case. Estates and buildings offered follow the chosen neighbourhood and estate."""

    required_css_class = "required"  # the label says the field is required (see app.css)

    FIELDSETS = [
        (_("诉求"), ["title", "description", "request_type", "category", "channel", "received_at", "urgency"]),
        (_("诉求人"), ["reporter_name", "reporter_phone", "reporter_confidential"]),
        (_("地点"), ["neighbourhood", "estate", "building", "address"]),
        (_("办理"), ["lead_department", "team", "assignee", "method", "assisting_departments"]),
    ]

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A new form's own token: the same form sent twice (a double click, a resent POST) logs one case.
    intake_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = FORM_FIELDS
        field_classes = {"assisting_departments": IdsField}
        widgets = {
            "received_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "description": forms.Textarea(attrs={"rows": 5}),
            "reporter_phone": forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
            "assisting_departments": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "title": {"required": _("请填写标题，一句话说明是什么事。")},
            "description": {"required": _("请填写诉求内容。")},
            "category": {"required": _("请选择类别。")},
            "received_at": {
                "required": _("请填写受理时间。"),
                "invalid": _("受理时间格式不对，请按“年-月-日 时:分”填写。"),
            },
            "neighbourhood": {"required": _("请选择居民区。")},
            "request_type": {"required": _("请选择诉求类型（咨询、求助、投诉、建议或表扬）。")},
            "channel": {"required": _("请选择案件从哪个渠道来。")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.user = user
        self.fields["received_at"].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["category"].queryset = Category.objects.exclude(parent=None).select_related("parent")
        self.fields["neighbourhood"].queryset = selectors.neighbourhoods_for(user)
        self.fields["estate"].queryset = selectors.estates_for(user)
        self.fields["building"].queryset = selectors.buildings_for(user)
        self.fields["assignee"].queryset = selectors.case_workers()
        self.fields["assignee"].label_from_instance = display_name
        self.fields["method"].queryset = Method.objects.in_use()
        self.fields["lead_department"].queryset = Department.objects.filter(is_active=True)
        self.fields["assisting_departments"].queryset = Department.objects.filter(is_active=True)
        self.fields["team"].queryset = Team.objects.filter(is_active=True)
        hood = roles.committee_neighbourhood_id(user)
        if hood:
            self.fields["neighbourhood"].disabled = True
            self.fields["neighbourhood"].initial = hood
        self.fields["neighbourhood"].widget.attrs.update(
            {"hx-get": reverse("cases:estate_options"), "hx-target": "#id_estate", "hx-trigger": "change"}
        )
        self.fields["building"].widget.attrs.update(
            {
                "hx-get": reverse("cases:building_options"),
                "hx-trigger": "change from:#id_estate, change from:#id_neighbourhood delay:300ms",
                "hx-include": "#id_estate, #id_neighbourhood",
            }
        )
        if self.instance.pk:
            self._prepare_edit()
            del self.fields["intake_key"]
        else:
            self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
            self.fields["intake_key"].initial = uuid.uuid4()
            del self.fields["version"]
        self._narrow_places()

    def _prepare_edit(self):
        case = self.instance
        self.fields["version"].initial = case.version
        self.fields["version"].required = True
        if not selectors.can_see_reporter(self.user, case):
            for name in REPORTER_FIELDS:
                del self.fields[name]
            # The resident's own words may name them: not offered to whom the resident is hidden from (the case
            # page shows them masked).
            for name in ("title", "description"):
                del self.fields[name]
            return
        # Numbers in the resident's words are shown masked, like everywhere else; saving puts them back.
        for name in ("title", "description"):
            self.initial[name] = mask_text(getattr(case, name))
        # The number is not put in the page; an empty box keeps it (revealing it is a logged action).
        phone = self.fields["reporter_phone"]
        self.initial["reporter_phone"] = ""
        if case.reporter_phone:
            phone.help_text = _("当前号码 %(masked)s；留空表示不修改。") % {"masked": mask_phone(case.reporter_phone)}

    def _chosen(self, name) -> int | None:
        if self.is_bound:
            return selectors.as_id(self.data.get(self.add_prefix(name)))
        return selectors.as_id(self.initial.get(name, self.fields[name].initial))

    def _narrow_places(self):
        """Offer only the chosen neighbourhood's estates and the chosen estate's buildings.

        Only the choices shown are narrowed; validation keeps every visible estate so that a mismatch
        gets the model's explanation rather than "not a valid choice". The choices are read when the form
        is shown, not when a valid form is saved and redirected."""
        hood = self.fields["neighbourhood"].initial if self.fields["neighbourhood"].disabled else None
        hood = hood or self._chosen("neighbourhood")
        estate = self._chosen("estate")
        empty = [("", "---------")]
        estates = selectors.estates_for(self.user, hood) if hood else selectors.estates_for(self.user).none()
        buildings = selectors.buildings_for(self.user, estate) if estate else selectors.buildings_for(self.user).none()
        self.fields["estate"].widget.choices = CallableChoiceIterator(lambda: empty + [(e.pk, e.name) for e in estates])
        self.fields["building"].widget.choices = CallableChoiceIterator(
            lambda: empty + [(b.pk, b.number) for b in buildings]
        )

    def clean_title(self):
        value = self.cleaned_data["title"]
        return restore_numbers(value, self.instance.title) if self.instance.pk else value

    def clean_description(self):
        value = self.cleaned_data["description"]
        return restore_numbers(value, self.instance.description) if self.instance.pk else value

    def clean_reporter_phone(self):
        value = self.cleaned_data.get("reporter_phone", "")
        if self.instance.pk and not value:
            return self.instance.reporter_phone
        return value

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value and value > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("受理时间不能晚于现在，请检查日期和时间。"))
        return value

    def fieldsets(self):
        """(legend, bound fields) in the order a person fills them in."""
        return [(legend, [self[name] for name in names if name in self.fields]) for legend, names in self.FIELDSETS]

    def service_data(self) -> dict:
        """The edited fields, as the services take them."""
        return {name: self.cleaned_data[name] for name in FORM_FIELDS if name in self.fields}


class MoveForm(forms.Form):
    """One action on a case (派单, 签收, 办结…). The fields shown depend on the action."""

    required_css_class = "required"  # the label says the field is required (see app.css)

    action = forms.ChoiceField(choices=[(name, move.label) for name, move in MOVES.items()], widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("说明"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, action: str, case: Case | None = None, **kwargs):
        # One form per action on the same page: ids carry the action, so each label points at its own box.
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, label_suffix="", **kwargs)
        self.move = MOVES[action]
        self.fields["action"].initial = action
        if self.move.needs_note:
            self.fields["note"].required = True
            self.fields["note"].label = _("理由或内容")
            self.fields["note"].error_messages["required"] = _("请填写%(action)s的理由或内容。") % {
                "action": self.move.label
            }
        getattr(self, f"_add_{action}_fields", lambda case: None)(case)
        self.fields["note"] = self.fields.pop("note")  # the optional remark comes last

    def _add_dispatch_fields(self, case):
        active = Department.objects.filter(is_active=True)
        self.fields["lead_department"] = forms.ModelChoiceField(active, label=_("主办单位"), required=False)
        self.fields["assisting_departments"] = IdsField(
            active, label=_("协办单位"), required=False, widget=forms.CheckboxSelectMultiple
        )
        self.fields["team"] = forms.ModelChoiceField(
            Team.objects.filter(is_active=True), label=_("工作专班"), required=False
        )
        self.fields["assignee"] = forms.ModelChoiceField(selectors.case_workers(), label=_("责任人"), required=False)
        self.fields["assignee"].label_from_instance = display_name
        for name in ("lead_department", "assisting_departments", "team", "assignee"):
            vocabularies.mark(self.fields[name], "MoveForm", name)
        if case is not None:
            self.initial.update({"lead_department": case.lead_department_id, "team": case.team_id})
            self.initial["assignee"] = case.assignee_id
            self.initial["assisting_departments"] = [d.pk for d in case.assisting_departments.all()]

    def _add_resolve_fields(self, case):
        self.fields["resolution"] = forms.CharField(
            label=_("办理结果"),
            max_length=NOTE_MAX,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": _("请填写办理结果：做了什么，结果如何。")},
        )
        self.fields["public_reply"] = forms.CharField(
            label=_("答复口径"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("诉求人在进度查询页看到的答复；不写姓名、电话和内部情况"),
        )
        self.fields["method"] = forms.ModelChoiceField(
            Method.objects.in_use(),
            label=_("使用的工作法"),
            error_messages={"required": _("办结前请选择本案使用的工作法。")},
        )
        vocabularies.mark(self.fields["method"], "MoveForm", "method")
        if case is not None and case.method_id:
            self.initial["method"] = case.method_id

    def _add_visit_fields(self, case):
        # Required-ness is the visit service's (cases/visits.py): a call not answered has no result.
        self.fields["visit_reached"] = forms.TypedChoiceField(
            choices=[("1", _("已接通")), ("0", _("未接通"))],
            coerce=lambda value: value == "1",
            empty_value=True,
            required=False,
            initial="1",
            label=_("电话是否接通"),
            widget=forms.RadioSelect,
        )
        self.fields["visit_result"] = forms.ChoiceField(
            choices=[(value, VisitResult(value).label) for value in ANSWERED_RESULTS],
            label=_("回访结果"),
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["visit_reason"] = forms.ChoiceField(
            choices=[("", _("（不满意时必选）")), *VisitReason.choices],
            label=_("不满意原因"),
            required=False,
        )

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def visit_kwargs(self) -> dict:
        """The arguments of cases.visits.case_visit."""
        data = self.cleaned_data
        return {
            "reached": data.get("visit_reached", True),
            "result": data.get("visit_result", ""),
            "reason": data.get("visit_reason", ""),
            "note": data.get("note", ""),
        }


class ExtensionRequestForm(forms.Form):
    required_css_class = "required"  # the label says the field is required (see app.css)

    days = forms.IntegerField(
        label=_("延期工作日"),
        min_value=1,
        max_value=60,
        initial=5,
        error_messages={
            "required": _("请填写延期天数。"),
            "min_value": _("延期天数至少 1 个工作日。"),
            "max_value": _("延期天数最多 60 个工作日。"),
        },
    )
    reason = forms.CharField(
        label=_("延期理由"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写延期理由。")},
    )


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("refuse", _("不同意"))], widget=forms.HiddenInput)
    note = forms.CharField(label=_("审批意见"), required=False, max_length=NOTE_MAX)
