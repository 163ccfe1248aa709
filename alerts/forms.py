from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import WarningKind


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label=_("处理说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ToClassForm(forms.Form):
    title = forms.CharField(label=_("一类事名称"), max_length=100, required=False)


class TopicForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class WarningFilter(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部"))] + WarningKind.choices, required=False)
    open = forms.BooleanField(label=_("仅未确认"), required=False)
