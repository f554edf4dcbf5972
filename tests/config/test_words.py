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


def test_the_clerks_pages_say_yes_no_amounts_and_rates_in_words(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    """No icon whose text is "True", no raw 20000000 or 0.00250, no English column such as 「BY」."""
    from django.utils import timezone

    from netdesk import services
    from netdesk.models import Status
    from tests import factories

    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
    )
    contract = services.product_request_issue(
        product_request=application.products.get(product="advance"), by=clerk_x
    )
    version = contract.versions.get()
    client.force_login(clerk_x)
    for url in [
        f"/admin/netdesk/application/{application.pk}/change/",
        f"/admin/issuers/guaranteecontract/{contract.pk}/change/",
        "/admin/issuers/feestatement/",
        f"/admin/issuers/feestatement/{contract.fee_statements.get().pk}/change/",
        "/admin/issuers/contractevent/",
        f"/admin/issuers/certificateversion/{version.pk}/change/",
    ]:
        page = re.sub(r"<[^>]+>", " ", client.get(url).content.decode())
        for jargon in ["True", "False", "20000000", "0.00250", " BY ", "By ", "Target", "空でない"]:
            assert jargon not in page, (url, jargon)
    page = client.get(f"/admin/issuers/guaranteecontract/{contract.pk}/change/").content.decode()
    assert "0.250%" in page and "20,000,000 円" in page


def test_a_browser_set_to_english_still_gets_the_japanese_service(client, clerk_x):
    """The service is Japanese only: a clerk or official whose browser asks for English (a borrowed
    PC, an English OS) must not get Django's English admin (「Username」「Log in」) mixed with ours."""
    english = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    login = client.get("/admin/login/", **english).content.decode()
    assert "ユーザー名" in login and "Username" not in login
    client.force_login(clerk_x)
    page = client.get("/admin/netdesk/application/", **english).content.decode()
    assert "ログアウト" in page and "Log out" not in page
