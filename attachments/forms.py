from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    """The fields that go with uploaded files (the files themselves are checked by the service, one by one)."""

    event = forms.IntegerField(label=_("办理记录"), required=False, min_value=1, max_value=2**63 - 1)
    personal = forms.BooleanField(label=_("含个人信息（如身份证、签名的征询表）"), required=False)
    public = forms.BooleanField(label=_("公开（Open311 可见）"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"event_id": data.get("event"), "personal": data["personal"], "public": data["public"]}
