"""The UI is written in Simplified Chinese; English ships as a compiled translation."""

import re
from html import unescape
from pathlib import Path

import polib
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"


def test_every_ui_string_has_an_english_translation():
    untranslated = [entry.msgid for entry in polib.pofile(str(PO)) if not entry.translated() and not entry.obsolete]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.translated() and not e.msgid_plural}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if not e.msgid_plural}
    assert {k: v for k, v in source.items() if compiled.get(k) != v} == {}


# --- strings built outside the catalogue -------------------------------------------------------------------------

HAN = re.compile(r"[\u3400-\u9fff]+")
CHINESE_MONTH = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月")
DATA_APPS = {"places", "accounts", "cases", "methods", "matters", "auth"}
# Proper names kept in Chinese in every language: the brand mark and the handbook's title.
PROPER_NAMES = {"孺子牛", "做服务人民的孺子牛", "孺子牛工作法汇编"}
NOT_DATA = {("matters", "caselink", "reasons"), ("cases", "caseevent", "changes"), ("auth", "group", "name")}


def _ui_fragments() -> set[str]:
    """The runs of Chinese characters in the catalogue's message ids: the words the UI itself writes."""
    return {run for entry in polib.pofile(str(PO)) for run in HAN.findall(entry.msgid) if len(run) >= 2}


def _data_fragments() -> set[str]:
    """The runs of Chinese characters in what people and the demo typed (names, titles, notes…): data, shown as is."""
    from django.apps import apps
    from django.db import models

    from cases.models import CaseEvent

    texts = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in DATA_APPS:
            continue
        names = [
            f.name
            for f in meta.get_fields()
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and (meta.app_label, meta.model_name, f.name) not in NOT_DATA
        ]
        if names:
            texts += [str(value) for row in model.objects.values_list(*names) for value in row]
    for changes in CaseEvent.objects.exclude(changes=[]).values_list("changes", flat=True):
        texts += [str(change.get(side, "")) for change in changes for side in ("old", "new")]
    return {run for text in texts for run in HAN.findall(text)}


def _visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return unescape(re.sub(r"(?s)<[^>]+>", " ", html))


def test_the_english_pages_say_nothing_in_chinese_but_data(client, django_db_setup, db):
    """The main pages in English, for staff and a committee member, with the demo data: every Chinese word left
    is data (a name, a title, a note), never a word of the UI built outside the catalogue."""
    from tests.browser.test_accessibility import ROLES, demo_pages, load_demo_data

    load_demo_data()
    ui, data = _ui_fragments(), _data_fragments()
    urls = demo_pages()
    leaks = []
    for username in ("staff", "committee"):
        client.force_login(User.objects.get(username=username))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for name in ROLES[username]:
            response = client.get(urls[name], follow=True)
            assert response.status_code == 200, (username, name)
            text = _visible_text(response.text)
            if name == "open case":  # the similar cases panel loads by htmx
                case_id = int(urls[name].rstrip("/").rsplit("/", 1)[1])
                text += _visible_text(client.get(reverse("matters:case_similar", args=[case_id])).text)
            leaks += [
                f"{username} {name}: {run}"
                for run in set(HAN.findall(text))
                if run in ui and run not in data | PROPER_NAMES
            ]
            leaks += [f"{username} {name}: {month}" for month in CHINESE_MONTH.findall(text)]
    assert not leaks, "\n".join(sorted(set(leaks)))
