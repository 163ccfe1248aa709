from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.validators import validate_calendar_date
from dashboards.figures import Scope, add_months
from places.models import Neighbourhood

DEFAULT_MONTHS = 12


def default_start() -> date:
    """By default the figures cover the last twelve months, this one included."""
    return add_months(timezone.localdate().replace(day=1), -(DEFAULT_MONTHS - 1))


class PeriodForm(forms.Form):
    """The period and (for street-office staff) the neighbourhood the figures follow."""

    received_after = forms.DateField(
        label=_("受理日期自"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_calendar_date],
    )
    received_before = forms.DateField(
        label=_("受理日期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_calendar_date],
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("居民区"), queryset=Neighbourhood.objects.none(), required=False, empty_label=_("全部居民区")
    )

    def __init__(self, data=None, *, neighbourhoods=None):
        if data is not None and "received_after" not in data:
            data = data.copy()
            data["received_after"] = default_start().isoformat()
        super().__init__(data if data is not None else {"received_after": default_start().isoformat()})
        if neighbourhoods is None:
            del self.fields["neighbourhood"]
        else:
            self.fields["neighbourhood"].queryset = neighbourhoods

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("received_after"), cleaned.get("received_before")
        if after and before and after > before:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return cleaned

    def scope(self, neighbourhood_id: int | None) -> Scope:
        """The scope to count; an invalid form counts the default period."""
        if self.is_valid():
            return Scope(
                neighbourhood_id=neighbourhood_id,
                after=self.cleaned_data["received_after"],
                before=self.cleaned_data["received_before"],
            )
        return Scope(neighbourhood_id=neighbourhood_id, after=default_start())


class ReportForm(forms.Form):
    """The month (and for staff the neighbourhood) of a monthly report."""

    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        validators=[validate_calendar_date],
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("居民区"), queryset=Neighbourhood.objects.none(), required=False, empty_label=_("全部居民区")
    )

    def __init__(self, data=None, *, neighbourhoods=None):
        data = data.copy() if data is not None else {}
        if not data.get("month"):
            data["month"] = f"{add_months(timezone.localdate().replace(day=1), -1):%Y-%m}"
        super().__init__(data)
        if neighbourhoods is None:
            del self.fields["neighbourhood"]
        else:
            self.fields["neighbourhood"].queryset = neighbourhoods
