from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category, Team
from matters.models import MatterClass
from matters.services import CLASS_FIELDS


class ClassForm(forms.ModelForm):
    """Rename a class and set its method, team, screening profile and target."""

    required_css_class = "required"  # the label says the field is required (see app.css)

    class Meta:
        model = MatterClass
        fields = CLASS_FIELDS
        widgets = {"root_problem": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(parent__isnull=False).select_related("parent")
        self.fields["team"].queryset = Team.objects.filter(is_active=True)


class RouteForm(forms.Form):
    steps = forms.CharField(
        label=_("通关图"),
        widget=forms.Textarea(attrs={"rows": 6, "aria-label": _("通关图")}),
        help_text=_("每行一步，按顺序：步骤 | 责任方，例如“业主表决 | 业委会”"),
    )

    def clean_steps(self) -> list[tuple[str, str]]:
        steps = []
        for line in self.cleaned_data["steps"].splitlines():
            if not line.strip():
                continue
            name, _sep, responsible = line.partition("|")
            if not name.strip():
                raise forms.ValidationError(_("每一步都需要名称。"))
            steps.append((name.strip(), responsible.strip()))
        if not steps:
            raise forms.ValidationError(_("请至少填写一步。"))
        return steps


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("并入"), queryset=MatterClass.objects.none())

    def __init__(self, *args, matter_class: MatterClass, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = MatterClass.objects.active().exclude(pk=matter_class.pk)


class SplitForm(forms.Form):
    title = forms.CharField(label=_("新类事名称"), max_length=100)
    cases = forms.TypedMultipleChoiceField(label=_("拆分出去的案件"), coerce=int, choices=())

    def __init__(self, *args, member_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = member_choices


class BatchForm(forms.Form):
    """A batch action on the chosen members: which cases, which action, and the action's own field."""

    ACTIONS = [("note", _("向选中案件发布备注")), ("team", _("指派工作专班")), ("route", _("套用通关图（放到第一步）"))]
    cases = forms.TypedMultipleChoiceField(
        label=_("选中的成员案件"),
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一件成员案件。")},
    )
    action = forms.ChoiceField(
        label=_("操作"),
        choices=ACTIONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择要执行的操作。")},
    )
    team = forms.ModelChoiceField(label=_("工作专班"), queryset=Team.objects.filter(is_active=True), required=False)
    note = forms.CharField(label=_("备注内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, members=(), **kwargs):
        # Beside the class's own edit form (which has a team too) on one page: ids of their own.
        kwargs.setdefault("auto_id", "batch_%s")
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = [(case.pk, f"{case.reference} {case.title}") for case in members]
        if not self.is_bound:  # open members are chosen by default, closed ones never
            self.initial["cases"] = [case.pk for case in members if case.is_open]

    def clean(self):
        data = super().clean()
        if data.get("action") == "team" and not data.get("team"):
            self.add_error("team", _("请选择工作专班。"))
        if data.get("action") == "note" and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写备注内容。"))
        return data


class MemberStepForm(forms.Form):
    step = forms.IntegerField(required=False)
    completed = forms.BooleanField(required=False)


class ScreenForm(forms.Form):
    buildings = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    estates = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, buildings, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = [(b.pk, str(b)) for b in buildings]
        self.fields["estates"].choices = [(e.pk, str(e)) for e in estates]

    def clean(self):
        data = super().clean()
        if not (data.get("buildings") or data.get("estates")):
            raise forms.ValidationError(_("请至少选择一个楼栋或小区。"))
        return data
