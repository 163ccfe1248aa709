from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import IdsField
from cases.models import Category
from methods.models import Method
from methods.services import EDITABLE_FIELDS, REASON_LENGTH


class MethodForm(forms.ModelForm):
    """The handbook entry an admin edits; `version` is the version the form was opened at."""

    required_css_class = "required"  # the label says the field is required (see app.css)

    reason = forms.CharField(
        label=_("修改说明"), required=False, max_length=REASON_LENGTH, help_text=_("选填，会记入修改记录")
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Method
        fields = EDITABLE_FIELDS
        field_classes = {"categories": IdsField}
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "when_to_use": forms.Textarea(attrs={"rows": 4}),
            "steps": forms.Textarea(attrs={"rows": 8}),
            "example": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.filter(
            parent__isnull=False, is_active=True
        ).select_related("parent")

    def clean(self):
        cleaned = super().clean()
        # Browsers send textarea line breaks as CRLF; store LF so versions diff only on real changes.
        for name in ("summary", "when_to_use", "steps", "example"):
            if isinstance(cleaned.get(name), str):
                cleaned[name] = cleaned[name].replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def method_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
