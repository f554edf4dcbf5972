"""保証契約一覧, 詳細 (電子保証履歴一覧), the certificate window and the PDFs, as contractor A sees them."""

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from issuers import services as issuers_services
from tests.netdesk.contracts_helpers import NOW, change, correct, detail_url, history_rows


def pdf_text(response) -> str:
    body = b"".join(response.streaming_content)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# -- 保証契約一覧 ------------------------------------------------------------------------------------


def test_list_shows_the_companys_contracts_with_paper_ones(client, contractor_a, issued_a, paper_a):
    client.force_login(contractor_a)
    page = client.get("/netdesk/contracts/").content.decode()
    assert "保証契約一覧" in page and "保証契約一覧のヘルプ" in page
    for product_request in issued_a:
        assert product_request.contract.number in page
    assert paper_a.number in page
    assert "県道見本線舗装工事" in page
    assert "証書(紙)" in page


def test_electronic_tab_lists_only_electronic_contracts(client, contractor_a, issued_a, paper_a):
    client.force_login(contractor_a)
    page = client.get("/netdesk/contracts/", {"tab": "electronic"}).content.decode()
    assert issued_a[0].contract.number in page
    assert paper_a.number not in page
    assert 'href="/netdesk/contracts/?tab=electronic" aria-current="page"' in page
    assert "発注者の閲覧" in page


def test_list_filters_by_product_body_and_status(
    client, contractor_a, issued_a, paper_a, body_p, time_machine
):
    client.force_login(contractor_a)
    advance, performance = (r.contract for r in issued_a)
    page = client.get("/netdesk/contracts/", {"product": "performance"}).content.decode()
    assert performance.number in page and advance.number not in page
    page = client.get("/netdesk/contracts/", {"ordering_body": body_p.pk}).content.decode()
    assert advance.number in page and paper_a.number not in page
    page = client.get("/netdesk/contracts/", {"status": "期限切れ"}).content.decode()
    assert advance.number not in page and "該当する保証契約はありません" in page
    # After the 工期 (2027-03-19) the contracts are 期限切れ.
    time_machine.move_to("2027-04-01T10:00:00+09:00", tick=False)
    client.force_login(contractor_a)  # the session of 2026 has expired
    page = client.get("/netdesk/contracts/", {"status": "期限切れ"}).content.decode()
    assert advance.number in page and "期限切れ" in page


def test_list_marks_contracts_expiring_within_30_days_in_japan_time(
    client, contractor_a, advance_a, time_machine
):
    """保証期限 2027-03-19: 期限切れ間近 from 2027-02-17 (Japan), 期限切れ from 2027-03-20 00:00 in Japan."""
    mark = '<span class="contract-mark expiring">期限切れ間近</span>'

    def row_at(moment: str) -> str:
        time_machine.move_to(moment, tick=False)
        client.force_login(contractor_a)
        page = client.get("/netdesk/contracts/").content.decode()
        (row,) = [row for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S) if advance_a.number in row]
        return row

    assert mark not in row_at("2027-02-16T23:59:00+09:00")
    assert mark in row_at("2027-02-17T00:00:00+09:00") and "有効" in row_at("2027-02-17T00:00:00+09:00")
    assert mark in row_at("2027-03-19T23:59:00+09:00")
    expired = row_at("2027-03-20T00:00:00+09:00")  # 2027-03-19 15:00 UTC
    assert mark not in expired and '<span class="contract-status inactive">期限切れ</span>' in expired


def test_list_status_follows_a_change_of_the_period(client, contractor_a, advance_a, clerk_x, time_machine):
    change(advance_a, clerk_x, period_end=datetime.date(2027, 9, 30))
    time_machine.move_to("2027-04-01T10:00:00+09:00", tick=False)
    client.force_login(contractor_a)
    valid = client.get("/netdesk/contracts/", {"status": "有効"}).content.decode()
    expired = client.get("/netdesk/contracts/", {"status": "期限切れ"}).content.decode()
    assert advance_a.number in valid and advance_a.number not in expired


def test_list_of_another_company_is_empty(client, contractor_b, issued_a):
    client.force_login(contractor_b)
    page = client.get("/netdesk/contracts/").content.decode()
    assert issued_a[0].contract.number not in page
    assert "該当する保証契約はありません" in page


# -- 詳細 -----------------------------------------------------------------------------------------


def test_detail_shows_the_summary_key_and_history_as_on_the_leaflet(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    response = client.get(detail_url(advance_a))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "電子保証概要（前払金保証）" in page and "※最新の情報を表示しています。" in page
    for label in [
        "保証契約番号",
        "請負契約者",
        "JV名",
        "工事名",
        "発注者名",
        "請負金額",
        "保証金額",
        "商品名",
        "預託金融機関",
    ]:
        assert f'<th scope="row">{label}</th>' in page
    assert "北アルプス建設株式会社 様" in page
    assert "小谷村長" in page
    assert "50,000,000 円" in page and "20,000,000 円" in page
    assert "八十二銀行 小谷支店" in page
    assert (
        "※発注者にお知らせください。(印刷ボタンをクリックして、PDFデータを発注者に提出することをお奨めします。)"
        in page
    )
    assert issuers_services.current_key(advance_a) in page
    assert "※訂正、変更取消された履歴は表示されません。" in page
    assert (
        "電子保証発行日時とは、発注者が保証証書を確認するシステム（プラットフォーム）に保証証書が到着した日時のことです。"
        in page
    )
    # 2026-06-01 10:00 UTC is 19:00 in Tokyo.
    rows = history_rows(page)
    assert [(no, at, kind) for no, at, kind, _ in rows] == [("1", "2026/06/01 19:00", "新規")]
    assert 'target="_blank" rel="noopener"' in page
    assert "発注者の閲覧: 未" in page


def test_performance_detail_says_keiyaku_hosho(client, contractor_a, issued_a):
    client.force_login(contractor_a)
    page = client.get(detail_url(issued_a[1].contract)).content.decode()
    assert "電子保証概要（契約保証）" in page
    assert "5,000,000 円" in page


def test_detail_shows_when_the_ordering_body_first_viewed_it(client, contractor_a, advance_a):
    from dsure.models import Certificate  # the test sets D-Sure's state directly, as its lookup would

    Certificate.objects.filter(number=advance_a.number).update(first_viewed_at=NOW)
    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    assert "発注者の閲覧: 済（2026/06/01 19:00）" in page
    listing = client.get("/netdesk/contracts/", {"tab": "electronic"}).content.decode()
    assert "済（2026/06/01 19:00）" in listing


def test_paper_detail_has_no_key_and_no_history_but_the_certificate_pdf(client, contractor_a, paper_a):
    client.force_login(contractor_a)
    page = client.get(detail_url(paper_a)).content.decode()
    assert "保証契約概要（前払金保証）" in page
    assert "認証キー ※発注者" not in page
    assert "電子保証情報（履歴情報）" not in page
    version = paper_a.versions.get()
    url = f"/netdesk/contracts/{paper_a.pk}/certificates/{version.pk}/pdf/"
    assert url in page
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "保証証書" in text and paper_a.number in text
    assert client.get(f"/netdesk/contracts/{paper_a.pk}/key-notice/").status_code == 404
    assert client.get(f"/netdesk/contracts/{paper_a.pk}/certificates/{version.pk}/").status_code == 404


# -- the key notice and the certificate window ------------------------------------------------------


def test_print_downloads_the_key_notice_pdf_without_the_key_in_the_url(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    key = issuers_services.current_key(advance_a)
    page = client.get(detail_url(advance_a)).content.decode()
    url = f"/netdesk/contracts/{advance_a.pk}/key-notice/"
    assert f'href="{url}"' in page and key not in url
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response)
    assert "認証キー" in text and key in text and advance_a.number in text


def test_key_notice_after_a_reissue_is_the_new_one(client, contractor_a, advance_a, clerk_x):
    old = issuers_services.current_key(advance_a)
    new = issuers_services.key_reissue(contract=advance_a, by=clerk_x, reason="漏えいの疑い")
    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    assert new in page and old not in page
    assert new in pdf_text(client.get(f"/netdesk/contracts/{advance_a.pk}/key-notice/"))


def test_select_opens_the_certificate_window_with_print_and_close(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    ((_, _, _, url),) = history_rows(page)
    window = client.get(url)
    html = window.content.decode()
    assert window.status_code == 200
    assert "保証証書（前払金保証）" in html
    assert "保証証書（書面）の発行は行わない電子的な取扱となります" in html
    assert advance_a.number in html and "小谷村長" in html and "令和08年06月01日" in html
    assert 'data-action="print"' in html and ">印刷<" in html
    assert 'data-action="close"' in html and ">閉じる<" in html
    assert "js/certificate-window.js" in html
    assert "<script>" not in html and "onclick" not in html
    assert "見本" in html
    pdf = client.get(f"{url}pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert advance_a.number in pdf_text(pdf)


def test_a_corrected_version_is_no_longer_selectable(client, contractor_a, advance_a, clerk_x):
    first = advance_a.versions.get()
    correct(advance_a, clerk_x, work_name="中小谷地区道路改良工事（その1）")
    client.force_login(contractor_a)
    assert client.get(f"/netdesk/contracts/{advance_a.pk}/certificates/{first.pk}/").status_code == 404
    page = client.get(detail_url(advance_a)).content.decode()
    ((_, _, kind, url),) = history_rows(page)
    assert kind == "新規"
    assert "中小谷地区道路改良工事（その1）" in client.get(url).content.decode()


# -- 保証料計算書一覧 ----------------------------------------------------------------------------------


def test_fee_statements_are_listed_with_their_pdfs(client, contractor_a, issued_a):
    client.force_login(contractor_a)
    page = client.get("/netdesk/fee-statements/").content.decode()
    assert "保証料計算書一覧" in page
    for product_request in issued_a:
        statement = product_request.contract.fee_statements.get()
        assert product_request.contract.number in page
        assert f"{statement.fee:,} 円" in page
        url = f"/netdesk/fee-statements/{statement.pk}/pdf/"
        assert url in page
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf"
        assert "保証料計算書" in pdf_text(response)
    assert "中小谷地区道路改良工事" in page


# -- access control: contractor B sees none of contractor A's --------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/netdesk/contracts/{pk}/",
        "/netdesk/contracts/{pk}/key-notice/",
        "/netdesk/contracts/{pk}/certificates/{version}/",
        "/netdesk/contracts/{pk}/certificates/{version}/pdf/",
        "/netdesk/contracts/{pk}/amendments/new/",
        "/netdesk/fee-statements/{statement}/pdf/",
    ],
)
def test_another_company_gets_404_for_everything(client, contractor_b, advance_a, path):
    client.force_login(contractor_b)
    url = path.format(
        pk=advance_a.pk, version=advance_a.versions.get().pk, statement=advance_a.fee_statements.get().pk
    )
    response = client.get(url)
    assert response.status_code == 404
    assert issuers_services.current_key(advance_a) not in response.content.decode(errors="replace")


def test_another_company_cannot_post_an_amendment(client, contractor_b, advance_a):
    client.force_login(contractor_b)
    response = client.post(f"/netdesk/contracts/{advance_a.pk}/amendments/new/", {"guarantee_amount": "1"})
    assert response.status_code == 404
    assert not advance_a.versions.filter(kind="change").exists()


def test_the_key_appears_only_for_the_owner(client, contractor_a, contractor_b, advance_a):
    key = issuers_services.current_key(advance_a)
    client.force_login(contractor_b)
    for url in ["/netdesk/contracts/", "/netdesk/contracts/?tab=electronic", "/netdesk/fee-statements/"]:
        assert key not in client.get(url).content.decode()
    client.force_login(contractor_a)
    assert key in client.get(detail_url(advance_a)).content.decode()
    # Not on the list pages either, even for the owner: only 詳細 shows it.
    assert key not in client.get("/netdesk/contracts/?tab=electronic").content.decode()


def test_anonymous_is_sent_to_login(client, advance_a):
    response = client.get(detail_url(advance_a))
    assert response.status_code == 302 and response.url.startswith("/netdesk/login/")
    assert client.get(f"/netdesk/contracts/{advance_a.pk}/key-notice/").status_code == 302


def test_an_official_is_refused(client, official_p, advance_a):
    client.force_login(official_p)
    assert client.get(detail_url(advance_a)).status_code == 403


def test_detail_shows_the_bodys_submission_rules_beside_the_key(client, contractor_a, advance_a):
    body = advance_a.ordering_body
    body.advance_recipient, body.performance_recipient = "会計室", "総務課"
    body.save()
    client.force_login(contractor_a)
    page = client.get(f"/netdesk/contracts/{advance_a.pk}/").content.decode()
    key_section = page[page.index('id="key-title"') : page.index('id="history-title"')]
    assert "小谷村への提出" in key_section
    assert "（PDF）を電子メールを利用し、その他の必要書類と合わせて小谷村にご提出ください。" in key_section
    assert "前払金保証: 会計室" in key_section and "総務課" not in key_section  # only this product's
