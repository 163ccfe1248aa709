from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel, Kind, Preferences


class PreferencesForm(forms.Form):
    """One checkbox per kind and outside channel (the in-app centre is always on), and the digest."""

    digest = forms.BooleanField(
        label=_("每日汇总邮件"), required=False, help_text=_("邮件每天汇总发送一次，而不是逐条发送")
    )

    def __init__(self, *args, prefs: Preferences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["digest"].initial = prefs.digest
        for kind, label in Kind.choices:
            for channel, channel_label in Channel.choices:
                self.fields[f"{kind}__{channel}"] = forms.BooleanField(
                    label=f"{label} · {channel_label}", required=False, initial=channel in prefs.channels_for(kind)
                )

    def rows(self):
        """[(kind label, [bound field per channel])] for the table."""
        return [(label, [self[f"{kind}__{channel}"] for channel in Channel.values]) for kind, label in Kind.choices]

    def channels_by_kind(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {kind: [c for c in Channel.values if data.get(f"{kind}__{c}")] for kind in Kind.values}
