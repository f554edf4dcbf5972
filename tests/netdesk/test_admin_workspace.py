"""The clerk's workspace: a home with the branch's open work and counts, lists that open on the open
work (oldest first) with the columns the work needs, a search that takes full-width numbers, contract
pages with what the certificate says and its documents, 再送 of the 発行完了 e-mail — and 栃木支店's
clerk sees none of 長野支店's work anywhere."""

import datetime
import re

import jaconv
import pytest
from django.utils import timezone

from issuers.models import ContractEvent, OutboundMail
from netdesk import services
from netdesk.models import AmendmentRequest, ProductRequest, Status
from tests import factories

CONFIRM = {"confirm": "yes"}  # the hidden field of a confirmation page with nothing to type
# 16:07 in Tokyo: 07:07 in UTC.
NOW = datetime.datetime(2026, 6, 1, 7, 7, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def application(company, contractor, body, branch, *, status=Status.SUBMITTED, days_ago=0, **kwargs):
    return factories.ApplicationFactory(
        company=company,
        created_by=contractor,
        ordering_body=body,
        branch=branch,
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago),
        products__status=status,
        **kwargs,
    )


@pytest.fixture
def nagano_work(company_a, contractor_a, body_p, branch_x, fee_rates, clerk_x):
    """長野支店: two new applications, one under review, one returned, one issued today with an open
    変更の申込."""
    new_old = application(company_a, contractor_a, body_p, branch_x, days_ago=3, work_name="古い新着工事")
    new_recent = application(
        company_a, contractor_a, body_p, branch_x, days_ago=1, work_name="新しい新着工事"
    )
    reviewing = application(
        company_a, contractor_a, body_p, branch_x, status=Status.REVIEWING, work_name="審査中の工事"
    )
    returned = application(
        company_a, contractor_a, body_p, branch_x, status=Status.RETURNED, work_name="差戻した工事"
    )
    issued = application(company_a, contractor_a, body_p, branch_x, work_name="発行した工事")
    advance = issued.products.get(product="advance")
    contract = services.product_request_issue(product_request=advance, by=clerk_x)
    advance.refresh_from_db()
    AmendmentRequest.objects.create(
        product_request=advance,
        format=contract.format,
        guarantee_amount=18_000_000,
        requested_by=contractor_a,
        reason="前払金の請求額の変更",
    )
    return {
        "new_old": new_old,
        "new_recent": new_recent,
        "reviewing": reviewing,
        "returned": returned,
        "issued": issued,
        "contract": contract,
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# -- 1. the home ------------------------------------------------------------------------------------------


def test_the_home_shows_the_branch_and_its_open_work_with_counts_linking_to_the_lists(
    client, clerk_x, nagano_work
):
    client.force_login(clerk_x)
    page = text(client.get("/admin/"))
    assert "長野支店の受付状況" in page
    # 新着: three applications with a product 申込済 (the issued one still has its 契約保証 申込済).
    assert (
        'href="/admin/netdesk/application/?status=submitted" aria-label="長野支店 新着（申込済） 3件"' in page
    )
    assert 'aria-label="長野支店 審査中 1件"' in page
    assert 'aria-label="長野支店 差戻し中 1件"' in page
    assert 'href="/admin/netdesk/amendmentrequest/?status=open" aria-label="長野支店 変更の申込 1件"' in page
    assert (
        'href="/admin/issuers/guaranteecontract/?issued_at__year=2026&amp;issued_at__month=6&amp;issued_at__day=1"'
        ' aria-label="長野支店 本日発行 1件"'
    ) in page
    assert "最近の操作" not in page  # Django's log, which clerks do not write


def test_the_counted_lists_hold_what_the_home_counted(client, clerk_x, nagano_work):
    client.force_login(clerk_x)
    submitted = text(client.get("/admin/netdesk/application/?status=submitted"))
    assert "古い新着工事" in submitted and "新しい新着工事" in submitted and "審査中の工事" not in submitted
    returned = text(client.get("/admin/netdesk/application/?status=returned"))
    assert "差戻した工事" in returned and "古い新着工事" not in returned
    today = text(
        client.get(
            "/admin/issuers/guaranteecontract/?issued_at__year=2026&issued_at__month=6&issued_at__day=1"
        )
    )
    assert nagano_work["contract"].number in today


def test_the_superuser_sees_every_branch_with_a_branch_column(
    client, superuser, nagano_work, company_b, contractor_b, body_q, branch_y
):
    application(company_b, contractor_b, body_q, branch_y, work_name="栃木の工事")
    client.force_login(superuser)
    page = text(client.get("/admin/"))
    assert "各支店の受付状況" in page
    assert 'aria-label="長野支店 新着（申込済） 3件"' in page
    assert 'aria-label="栃木支店 新着（申込済） 1件"' in page
    assert f"branch__id__exact={branch_y.pk}" in page
    tochigi = text(
        client.get(f"/admin/netdesk/application/?status=submitted&branch__id__exact={branch_y.pk}")
    )
    assert "栃木の工事" in tochigi and "古い新着工事" not in tochigi


def test_the_home_runs_a_bounded_number_of_queries(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, django_assert_max_num_queries
):
    for _ in range(40):
        application(company_a, contractor_a, body_p, branch_x)
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/").status_code == 200


# -- 2. lists and search ----------------------------------------------------------------------------------


def test_the_application_list_opens_on_the_open_work_oldest_first(client, clerk_x, nagano_work):
    client.force_login(clerk_x)
    page = text(client.get("/admin/netdesk/application/"))
    assert page.index("古い新着工事") < page.index("新しい新着工事")
    assert "審査中の工事" in page
    assert "差戻した工事" not in page  # waiting for the contractor, not for the clerk
    assert "受付中（申込済・審査中）" in page
    assert "差戻した工事" in text(client.get("/admin/netdesk/application/?status=all"))


def test_the_application_list_shows_each_product_with_its_form_and_the_day_applied(
    client, clerk_x, company_a, contractor_a, body_p, branch_x
):
    application(company_a, contractor_a, body_p, branch_x, products__format="paper")
    client.force_login(clerk_x)
    page = text(client.get("/admin/netdesk/application/"))
    assert "前払金保証（紙）: 申込済<br>契約保証（紙）: 申込済" in page
    assert "北アルプス建設株式会社" in page and "小谷村" in page
    assert "2026/06/01" in page


@pytest.mark.parametrize(
    "typed",
    [
        lambda number: number,
        lambda number: jaconv.h2z(number, ascii=True, digit=True),  # ２０１０８－００００１Ｋ
        lambda number: number.replace("-", ""),
        lambda number: jaconv.h2z(number.replace("-", ""), ascii=True, digit=True).lower(),
        lambda number: jaconv.h2z(number[:8], ascii=True, digit=True).replace(
            "－", "ー"
        ),  # a prefix, IME dash
    ],
)
def test_a_contract_number_is_found_however_it_is_typed(client, clerk_x, nagano_work, typed):
    number = nagano_work["contract"].number
    client.force_login(clerk_x)
    for url in ("/admin/issuers/guaranteecontract/", "/admin/netdesk/application/?status=all"):
        page = text(client.get(url, {"q": typed(number)}))
        assert "発行した工事" in page, url
        assert "古い新着工事" not in page, url


def test_the_work_name_is_found_typed_in_half_width(
    client, clerk_x, company_a, contractor_a, body_p, branch_x
):
    application(company_a, contractor_a, body_p, branch_x, work_name="第３工区道路改良工事")
    client.force_login(clerk_x)
    assert "第３工区道路改良工事" in text(client.get("/admin/netdesk/application/", {"q": "第3工区"}))


def test_the_contract_list_and_page_say_what_the_certificate_says_and_link_its_documents(
    client, clerk_x, nagano_work
):
    contract = nagano_work["contract"]
    client.force_login(clerk_x)
    listing = text(client.get("/admin/issuers/guaranteecontract/"))
    for shown in [
        "発行した工事",
        "北アルプス建設株式会社",
        "小谷村",
        "20,000,000 円",
        "令和09年03月19日",
        "有効",
    ]:
        assert shown in listing, shown
    page = text(client.get(f"/admin/issuers/guaranteecontract/{contract.pk}/change/"))
    version, key, statement = contract.versions.get(), contract.keys.get(), contract.fee_statements.get()
    assert f'href="/admin/netdesk/application/{nagano_work["issued"].pk}/change/">発行した工事</a>' in page
    assert f"/admin/issuers/guaranteecontract/{contract.pk}/versions/{version.pk}/pdf/" in page
    assert f"/admin/issuers/guaranteecontract/{contract.pk}/keys/{key.pk}/notice/" in page
    assert f"/admin/issuers/guaranteecontract/{contract.pk}/fees/{statement.pk}/pdf/" in page
    assert "2026/06/01 16:07" in page  # 発行日時 in Japan time


def test_the_clerk_downloads_the_key_notice_and_it_is_in_the_audit_trail(client, clerk_x, nagano_work):
    from audit.models import AuditEntry

    contract = nagano_work["contract"]
    client.force_login(clerk_x)
    response = client.get(
        f"/admin/issuers/guaranteecontract/{contract.pk}/keys/{contract.keys.get().pk}/notice/"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEntry.objects.get(action="contract.pdf.download").detail["document"] == "key_notice"


def test_a_replaced_keys_notice_is_not_served_to_the_clerk(client, clerk_x, nagano_work):
    """Found in review: any key of the contract could be downloaded; only the one in force is a notice
    a contractor could still need printed."""
    from issuers import services as issuer_services

    contract = nagano_work["contract"]
    old = contract.keys.get()
    issuer_services.key_reissue(contract=contract, by=clerk_x, reason="漏えいのおそれ")
    client.force_login(clerk_x)
    url = "/admin/issuers/guaranteecontract/{}/keys/{}/notice/"
    assert client.get(url.format(contract.pk, old.pk)).status_code == 404
    assert client.get(url.format(contract.pk, contract.keys.latest("sequence").pk)).status_code == 200


def test_the_clerk_resends_the_issued_mail_without_the_key(client, clerk_x, nagano_work):
    contract = nagano_work["contract"]
    url = f"/admin/issuers/guaranteecontract/{contract.pk}/resend-mail/"
    client.force_login(clerk_x)
    assert "再送する" in text(client.get(url))
    assert OutboundMail.objects.count() == 1
    response = client.post(url, CONFIRM)
    assert response.status_code == 302
    resent = OutboundMail.objects.get(dedup_key=f"issued:{contract.number}:resend:1")
    assert resent.to == "soumu@example.com"
    assert contract.number in resent.subject
    from issuers.services import current_key

    assert current_key(contract) not in resent.body_text + resent.body_html
    assert contract.events.filter(action=ContractEvent.Action.MAIL).count() == 1
    client.post(url, CONFIRM)
    assert OutboundMail.objects.filter(dedup_key__startswith=f"issued:{contract.number}").count() == 3


def test_no_resend_when_the_contractor_asked_for_no_mail(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates
):
    quiet = application(company_a, contractor_a, body_p, branch_x, notify_issued=False, email="")
    contract = services.product_request_issue(
        product_request=quiet.products.get(product="advance"), by=clerk_x
    )
    client.force_login(clerk_x)
    page = text(client.post(f"/admin/issuers/guaranteecontract/{contract.pk}/resend-mail/", CONFIRM))
    assert "希望されていないため、再送できません。" in page
    assert not OutboundMail.objects.exists()


def test_the_contract_list_runs_a_bounded_number_of_queries(
    client, clerk_x, company_a, contractor_a, body_p, branch_x, fee_rates, django_assert_max_num_queries
):
    for _ in range(15):
        request = application(company_a, contractor_a, body_p, branch_x).products.get(product="advance")
        services.product_request_issue(product_request=request, by=clerk_x)
    client.force_login(clerk_x)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/issuers/guaranteecontract/").status_code == 200


# -- 栃木支店's clerk sees none of 長野支店's work --------------------------------------------------------


def test_tochigis_clerk_sees_none_of_naganos_work_anywhere(client, clerk_y, nagano_work):
    contract = nagano_work["contract"]
    client.force_login(clerk_y)
    home = text(client.get("/admin/"))
    assert "栃木支店の受付状況" in home and "長野支店" not in home
    assert 'aria-label="栃木支店 新着（申込済） 0件"' in home
    assert 'aria-label="栃木支店 本日発行 0件"' in home
    for url, query in [
        ("/admin/netdesk/application/", {"status": "all"}),
        ("/admin/netdesk/application/", {"status": "all", "q": contract.number}),
        ("/admin/netdesk/amendmentrequest/", {"status": "all"}),
        ("/admin/issuers/guaranteecontract/", {"q": jaconv.h2z(contract.number, ascii=True, digit=True)}),
    ]:
        page = text(client.get(url, query))
        for name, work in nagano_work.items():
            if name != "contract":
                assert work.work_name not in page, (url, query)
        assert f">{contract.number}</a>" not in page  # typed in the search box, it is shown there
    assert client.get(f"/admin/issuers/guaranteecontract/{contract.pk}/resend-mail/").status_code == 404
    assert (
        client.post(f"/admin/issuers/guaranteecontract/{contract.pk}/resend-mail/", CONFIRM).status_code
        == 404
    )
    assert OutboundMail.objects.count() == 1
    assert ProductRequest.objects.filter(status=Status.ISSUED).count() == 1


# -- 7. sent mail in the demo ----------------------------------------------------------------------------

CONSOLE_MAIL = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend", "OPTIONS": {}}}


def test_the_superuser_reads_the_sent_mail_in_the_browser(client, superuser, nagano_work, settings):
    settings.MAILERS = CONSOLE_MAIL
    client.force_login(superuser)
    home = text(client.get("/admin/"))
    assert "送信したメール（見本）" in home
    assert '送信した1通の内容は<a href="/admin/issuers/outboundmail/">送信メールの一覧</a>' in home
    mail = OutboundMail.objects.get()
    page = text(client.get(f"/admin/issuers/outboundmail/{mail.pk}/change/"))
    assert "電子保証（認証キー）発行完了のお知らせ" in page
    assert nagano_work["contract"].number in page
    from issuers.services import current_key

    assert current_key(nagano_work["contract"]) not in page


def test_clerks_and_smtp_setups_get_no_mail_box(client, clerk_x, superuser, nagano_work, settings):
    settings.MAILERS = CONSOLE_MAIL
    client.force_login(clerk_x)
    assert "送信したメール" not in text(client.get("/admin/"))
    assert client.get("/admin/issuers/outboundmail/").status_code == 403
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}}
    client.force_login(superuser)
    assert "送信したメール（見本）" not in text(client.get("/admin/"))  # Mailpit shows them
