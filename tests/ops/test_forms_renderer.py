"""governance/forms_renderer.py writes the one-line form templates in Python: the pages full of forms must come out
exactly as Django's own renderer makes them, errors and all."""

import re

import pytest
from django import forms
from django.test import override_settings
from django.urls import reverse

from cases.services import case_transition
from governance.forms_renderer import FastRenderer

pytestmark = pytest.mark.django_db

DJANGO_RENDERER = "django.forms.renderers.DjangoTemplates"
# What differs between two renders of the same page whatever the renderer: the masked CSRF token, the new-case
# form's one-time token and its "now".
VOLATILE = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'),
    re.compile(r'(name="intake_key" value=")[^"]*'),
    re.compile(r'(name="received_at" value=")[^"]*'),
    re.compile(r'(<meta name="csrf-token" content=")[^"]*'),
    re.compile(r'("X-CSRFToken": ")[^"]*'),
]


def page(client, method: str, url: str, data=None, renderer: str | None = None) -> str:
    from django.forms.renderers import get_default_renderer

    wanted = renderer or "governance.forms_renderer.FastRenderer"
    with override_settings(FORM_RENDERER=wanted):
        assert type(get_default_renderer()).__name__ == wanted.rsplit(".", 1)[1]  # the setting took effect
        response = getattr(client, method)(url, data or {})
    html = response.content.decode()
    for pattern in VOLATILE:
        html = pattern.sub(r"\1…", html)
    return html


def both(client, method: str, url: str, data=None) -> tuple[str, str]:
    return page(client, method, url, data), page(client, method, url, data, DJANGO_RENDERER)


def test_the_one_line_templates_of_this_django_are_the_expected_ones():
    assert "django/forms/widgets/text.html" in FastRenderer.in_python
    assert "django/forms/widgets/textarea.html" in FastRenderer.in_python
    assert "django/forms/widgets/select.html" in FastRenderer.in_python
    assert "django/forms/widgets/checkbox_select.html" in FastRenderer.in_python


def test_a_case_page_full_of_forms_is_the_same(staff_client, staff_user, case):
    case_transition(case_id=case.pk, actor=staff_user, action="dispatch", assignee=staff_user)
    case_transition(case_id=case.pk, actor=staff_user, action="accept")
    case_transition(case_id=case.pk, actor=staff_user, action="start")
    fast, django_made = both(staff_client, "get", reverse("cases:detail", args=[case.pk]))
    assert "<textarea" in fast and 'type="hidden"' in fast
    assert fast == django_made


def test_a_refused_form_with_its_errors_is_the_same(staff_client, case):
    url = reverse("cases:move", args=[case.pk])
    fast, django_made = both(staff_client, "post", url, {"action": "note", "note": ""})
    assert 'class="errorlist"' in fast
    assert fast == django_made


def test_the_new_case_form_blank_and_with_errors_is_the_same(staff_client):
    url = reverse("cases:create")
    fast, django_made = both(staff_client, "get", url)
    assert fast == django_made
    fast, django_made = both(staff_client, "post", url, {"title": "<b>x</b>", "reporter_phone": "12"})
    assert "errorlist" in fast and "&lt;b&gt;x&lt;/b&gt;" in fast
    assert fast == django_made


def test_the_case_list_and_the_sign_in_page_are_the_same(staff_client, client, case):
    fast, django_made = both(staff_client, "get", reverse("cases:list"), {"q": "电梯", "overdue": "1"})
    assert fast == django_made
    client.logout()
    fast, django_made = both(client, "post", reverse("login"), {"username": "nobody", "password": "wrong"})
    assert fast == django_made


class EveryChoiceWidget(forms.Form):
    """Selects and choice lists in every shape Django renders: groups, several chosen, attributes, text to escape."""

    GROUPED = [("电梯", [("1", "困人 <b>"), ("2", "更新")]), ("3", "其他 & 杂项")]
    plain = forms.ChoiceField(choices=[("a", "甲"), ("<b>", '乙"')], initial="<b>")
    grouped = forms.ChoiceField(choices=GROUPED, widget=forms.Select(attrs={"class": "wide", "data-x": "1"}))
    several = forms.MultipleChoiceField(choices=GROUPED, initial=["1", "3"])
    ticks = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple, initial=["2"])
    radio = forms.ChoiceField(choices=[(1, "一"), (2, "二")], widget=forms.RadioSelect(attrs={"class": "r"}))
    maybe = forms.NullBooleanField()
    tick = forms.BooleanField(required=False, initial=True)
    when = forms.SplitDateTimeField(required=False)


def test_every_choice_widget_is_rendered_as_django_does():
    from django.forms.renderers import DjangoTemplates

    for data in (None, {"plain": "a", "grouped": "x", "several": ["2"], "ticks": ["1", "3"], "radio": "2"}):
        fast = EveryChoiceWidget(data, renderer=FastRenderer()).as_div()
        django_made = EveryChoiceWidget(data, renderer=DjangoTemplates()).as_div()
        assert "<optgroup" in fast and "&lt;b&gt;" in fast and 'type="radio"' in fast
        assert fast == django_made


def test_an_option_template_not_done_in_python_sends_the_whole_widget_through_the_templates(monkeypatch):
    from django.forms.renderers import DjangoTemplates

    from governance import forms_renderer

    monkeypatch.delitem(forms_renderer.RENDERERS, "django/forms/widgets/select_option.html")
    fast = EveryChoiceWidget(renderer=FastRenderer())["grouped"]
    assert str(fast) == str(EveryChoiceWidget(renderer=DjangoTemplates())["grouped"])
    assert "<optgroup" in str(fast)
