"""Django's own Japanese, overridden where it is missing or misleads a clerk (locale/ja): every entry of
the .po is what Django says, so the compiled .mo is not stale."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "ja" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid "(.+)"\nmsgstr "(.*)"$', re.MULTILINE)


def test_every_override_is_what_django_says():
    entries = ENTRY.findall(PO.read_text(encoding="utf-8"))
    assert len(entries) >= 8
    with translation.override("ja"):
        for msgid, msgstr in entries:
            assert translation.gettext(msgid) == msgstr, msgid


def test_the_lists_are_named_without_djangos_jargon(client, clerk_x):
    client.force_login(clerk_x)
    page = client.get("/admin/netdesk/application/").content.decode()
    assert "<h1>保証申込一覧</h1>" in page
    page = re.sub(r"<[^>]+>", " ", page)  # the words shown, not URLs such as ?_facets=True
    for jargon in ["変更する", "を選択", "Filter by", "Select an option", "True", "False"]:
        assert jargon not in page, jargon
