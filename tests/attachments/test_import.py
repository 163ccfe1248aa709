"""An imported row's media_url becomes a link on its case (never fetched); a re-import does not repeat it."""

import pytest

from attachments.models import AttachmentKind
from cases.models import Case
from tests.cases.test_import_command import GOOD, places, run, run_failing, write_csv  # noqa: F401 (fixture)

PHOTO = "https://wangge.example.gov.cn/photos/h-1.jpg"


def with_media(row: list, url: str) -> list:
    return [*row, url]


def test_an_imported_media_url_is_kept_as_a_link_on_the_new_case(places, tmp_path):  # noqa: F811
    rows = [with_media(GOOD[0], PHOTO), with_media(GOOD[1], "")]
    run(write_csv(tmp_path, rows))
    lift = Case.objects.get(external_id="h-1")
    assert list(lift.attachments.values_list("kind", "link")) == [(AttachmentKind.LINK, PHOTO)]
    assert not Case.objects.get(external_id="h-2").attachments.exists()


def test_importing_the_same_file_again_keeps_one_link_and_a_new_url_adds_one(places, tmp_path):  # noqa: F811
    run(write_csv(tmp_path, [with_media(GOOD[0], PHOTO)]))
    run(write_csv(tmp_path, [with_media(GOOD[0], PHOTO)]))
    lift = Case.objects.get(external_id="h-1")
    assert lift.attachments.count() == 1
    run(write_csv(tmp_path, [with_media(GOOD[0], PHOTO + "?v=2")]))
    assert lift.attachments.count() == 2


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x/y.jpg", "照片在群里"])
def test_a_media_url_that_is_not_a_web_address_fails_its_row(places, tmp_path, url):  # noqa: F811
    output, error = run_failing(write_csv(tmp_path, [with_media(GOOD[0], url)]))
    assert "media_url" in output + error
    assert not Case.objects.exists()
