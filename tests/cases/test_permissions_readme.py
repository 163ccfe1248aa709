"""The README's permission table is the code's (cases/permissions.py), so the two cannot drift apart."""

from django.conf import settings

from cases.permissions import markdown_table


def test_the_readme_shows_the_permission_matrix_of_the_code():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
