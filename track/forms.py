from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import VisitResult


class LookupForm(forms.Form):
    reference = forms.CharField(
        label=_("案件编号"),
        max_length=40,
        error_messages={"required": _("请填写案件编号（短信或回执上的编号，如 JN-2026-000123）。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "JN-2026-000123"}
        ),
    )
    phone_last4 = forms.RegexField(
        label=_("手机号后四位"),
        regex=r"^\d{4}$",
        error_messages={
            "required": _("请填写登记时所留电话号码的后四位。"),
            "invalid": _("请填写 4 位数字。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )


class VisitForm(forms.Form):
    result = forms.ChoiceField(
        label=_("您对办理结果是否满意？"),
        choices=VisitResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意、基本满意或不满意。")},
    )
    reason = forms.CharField(
        label=_("原因或意见（选择不满意时必填）"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == VisitResult.UNSATISFIED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请告诉我们哪里不满意，我们会重新办理。"))
        return data
