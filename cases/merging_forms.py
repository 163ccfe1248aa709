"""Forms of 并单, 拆单 and co-complainants on the case pages; cases/merging.py does the writing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors, vocabularies
from cases.forms import DATETIME_FORMAT
from cases.models import REFERENCE_SHAPE, Case, Category, Channel, Urgency, VisitResult


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("并入案件"),
        max_length=30,
        help_text=_("主案件的编号，如 JN-2025-000123"),
        error_messages={"required": _("请填写要并入的案件编号。")},
    )
    note = forms.CharField(
        label=_("并单理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写并单的理由。")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.user = user

    def clean_into(self) -> int:
        """A reference (JN-2025-000123) or an id of a case this user may see."""
        value = self.cleaned_data["into"].strip()
        cases = Case.objects.visible_to(self.user)
        if REFERENCE_SHAPE.match(value):
            found = cases.filter(reference=value.upper()).values_list("pk", flat=True).first()
        else:
            pk = selectors.as_id(value)
            found = cases.filter(pk=pk).values_list("pk", flat=True).first() if pk else None
        if found is None:
            raise forms.ValidationError(_("找不到案件“%(value)s”，或您无权处理该案件。") % {"value": value})
        return found


class UnmergeForm(forms.Form):
    note = forms.CharField(
        label=_("撤销理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤销并单的理由。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class SplitPartForm(forms.Form):
    """One demand of a call: it becomes a child case with its own category, deadline and life."""

    title = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(Category.objects.exclude(parent=None).select_related("parent"), label=_("类别"))
    # No initial value: an untouched extra row stays empty (and is skipped); a browser sends the first choice.
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        vocabularies.mark(self.fields["category"], "SplitPartForm", "category")

    def clean_urgency(self) -> str:
        return self.cleaned_data.get("urgency") or Urgency.NORMAL


SplitFormSet = forms.formset_factory(SplitPartForm, extra=1, min_num=1, validate_min=True, max_num=10)


class ComplainantForm(forms.Form):
    """Another caller about the same matter. Its names are the case form's, so that the new-case form can post
    straight here ("并入此案")."""

    reporter_name = forms.CharField(label=_("诉求人"), max_length=50, required=False)
    reporter_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    reporter_confidential = forms.BooleanField(label=_("诉求人信息保密"), required=False)
    channel = forms.ModelChoiceField(Channel.objects.filter(is_active=True), label=_("来源渠道"), required=False)
    received_at = forms.DateTimeField(
        label=_("受理时间"),
        required=False,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    description = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        vocabularies.mark(self.fields["channel"], "ComplainantForm", "channel")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["reporter_name"],
            "phone": data["reporter_phone"],
            "confidential": data["reporter_confidential"],
            "channel": data["channel"],
            "received_at": data["received_at"],
            "description": data["description"],
        }


class ResidentVisitForm(forms.Form):
    """One resident's answer to the return visit of a resolved matter."""

    complainant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    merged_case = forms.IntegerField(required=False, widget=forms.HiddenInput)
    visit_result = forms.ChoiceField(label=_("回访结果"), choices=VisitResult.choices)
