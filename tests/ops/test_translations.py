"""The UI is written in Simplified Chinese; English ships as a compiled translation."""

from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.po"


def test_every_ui_string_has_an_english_translation():
    untranslated = [entry.msgid for entry in polib.pofile(str(PO)) if not entry.translated() and not entry.obsolete]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.translated() and not e.msgid_plural}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if not e.msgid_plural}
    assert {k: v for k, v in source.items() if compiled.get(k) != v} == {}
