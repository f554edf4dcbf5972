"""After a successful lookup: the certificate as posted, its status and history, every version, the PDF
and a print view, for the official who unlocked it and nobody else."""

import datetime
import io
import uuid

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from dsure.access import GRANTS_SESSION_KEY
from dsure.digest import key_digest
from dsure.models import PostedVersion
from dsure.services import certificate_key_replace
from tests import factories
from tests.dsure.conftest import BODY_P, KEY_P, KEY_Q, NUMBER_P, NUMBER_Q, TOKYO, lookup, make_number, post

Kind = PostedVersion.Kind


@pytest.fixture
def amended_p(cert_p):
    """新規 (seq 1) → 変更1 (seq 2) → 訂正 of 変更1 (seq 3) → 変更2 (seq 4) → 変更取消 of 変更2 (seq 5).
    Shown: No.1 新規 (seq 1) and No.2 変更1 with the corrected content (seq 3)."""
    post(NUMBER_P, BODY_P, sequence=2, kind=Kind.CHANGE, change_no=1, guarantee_amount=24_000_000)
    post(NUMBER_P, BODY_P, sequence=3, kind=Kind.CORRECTION, change_no=1, guarantee_amount=25_000_000)
    post(NUMBER_P, BODY_P, sequence=4, kind=Kind.CHANGE, change_no=2, guarantee_amount=30_000_000)
    post(NUMBER_P, BODY_P, sequence=5, kind=Kind.CANCELLATION, change_no=2, guarantee_amount=25_000_000)
    return cert_p


def unlock(client):
    response = lookup(client, NUMBER_P, KEY_P)
    assert response.status_code == 302
    return response.url


def test_the_current_version_status_and_history_are_shown(paul, amended_p):
    page = paul.get(unlock(paul))
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "25,000,000" in html  # the corrected 変更1 is current
    assert "24,000,000" not in html  # the content it corrected is not shown
    assert "30,000,000" not in html  # the cancelled 変更2 is gone
    assert '<strong class="certificate-status">有効</strong>' in html
    assert "※訂正、変更取消された履歴は表示されません。" in html
    history = html[html.index("電子保証情報（履歴情報）") :]
    assert history.count("<tr>") == 3  # header + two entries
    assert "<td>新規</td>" in history and "<td>変更一</td>" in history and "変更二" not in history
    assert "見本" in html
    assert KEY_P not in html


def test_every_shown_version_is_viewable_and_hidden_ones_are_not(paul, amended_p):
    base = unlock(paul)
    first = paul.get(f"{base}versions/1/")
    assert first.status_code == 200
    html = first.content.decode()
    assert "20,000,000" in html
    assert "最新の版ではありません" in html
    assert "no-store" in first["Cache-Control"]
    assert paul.get(f"{base}versions/3/").status_code == 200
    for hidden in (2, 4, 5, 99):
        assert paul.get(f"{base}versions/{hidden}/").status_code == 404


def test_the_pdf_of_a_version_is_the_one_posted(paul, amended_p):
    base = unlock(paul)
    response = paul.get(f"{base}versions/3/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert f"SPECIMEN {NUMBER_P} version 3 correction" in text
    assert paul.get(f"{base}versions/2/pdf/").status_code == 404


def test_the_print_view_has_print_and_close_and_no_inline_script(paul, amended_p):
    base = unlock(paul)
    response = paul.get(f"{base}versions/3/print/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'data-action="print">印刷</button>' in html
    assert 'data-action="close">閉じる</button>' in html
    assert "js/dsure-print.js" in html
    assert "<script>" not in html
    assert "見本" in html
    assert "25,000,000" in html


def test_a_certificate_expires_after_its_guarantee_deadline(paul, official_p):
    number = make_number(2)
    post(number, BODY_P, key=KEY_P, guarantee_deadline="2026-06-01")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 23, 50, tzinfo=TOKYO), tick=False) as clock:
        url = lookup(paul, number, KEY_P).url
        assert '<strong class="certificate-status">有効</strong>' in paul.get(url).content.decode()
        clock.shift(datetime.timedelta(minutes=15))  # 2026-06-02 00:05
        assert '<strong class="certificate-status">期限切れ</strong>' in paul.get(url).content.decode()


def test_without_a_lookup_in_this_session_the_page_is_a_404(client, official_p, cert_p):
    client.force_login(official_p)
    url = unlock(client)
    colleague = Client()
    colleague.force_login(official_p)  # same official, another session: no grant
    assert colleague.get(url).status_code == 404
    assert colleague.get(f"{url}versions/1/pdf/").status_code == 404


def test_another_bodys_official_gets_a_404_even_with_a_grant_in_the_session(client, official_q, cert_p):
    client.force_login(official_q)
    session = client.session
    session[GRANTS_SESSION_KEY] = {str(cert_p.public_id): "forged"}
    session.save()
    base = f"/dsure/certificates/{cert_p.public_id}/"
    for url in (base, f"{base}versions/1/", f"{base}versions/1/pdf/", f"{base}versions/1/print/"):
        assert client.get(url).status_code == 404


def test_an_unknown_id_is_a_404(paul, cert_p):
    unlock(paul)
    assert paul.get(f"/dsure/certificates/{uuid.uuid4()}/").status_code == 404


def test_a_reissued_key_ends_access_granted_with_the_old_one(paul, cert_p):
    url = unlock(paul)
    certificate_key_replace(number=NUMBER_P, key_digest=key_digest(NUMBER_P, "Nw4KeyQ7rT2s"))
    assert paul.get(url).status_code == 404
    assert lookup(paul, NUMBER_P, "Nw4KeyQ7rT2s").status_code == 302
    assert paul.get(url).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login(client, cert_p):
    response = client.get(f"/dsure/certificates/{cert_p.public_id}/")
    assert response.status_code == 302
    assert response.url.startswith("/dsure/login/")


def test_a_contractor_is_refused(client, contractor_a, cert_p):
    client.force_login(contractor_a)
    assert client.get(f"/dsure/certificates/{cert_p.public_id}/").status_code == 403


def test_certificate_pages_cost_a_bounded_number_of_queries(paul, amended_p, django_assert_max_num_queries):
    base = unlock(paul)
    # session, user, official, session save, certificate, versions, the header's body
    for url in (base, f"{base}versions/1/", f"{base}versions/3/print/", f"{base}versions/3/pdf/"):
        with django_assert_max_num_queries(10):
            assert paul.get(url).status_code == 200


def test_many_versions_do_not_cost_more_queries(paul, cert_p, django_assert_max_num_queries):
    for sequence in range(2, 30):
        post(NUMBER_P, BODY_P, sequence=sequence, kind=Kind.CHANGE, change_no=sequence - 1)
    base = unlock(paul)
    with django_assert_max_num_queries(10):
        html = paul.get(base).content.decode()
    assert "<td>変更二十八</td>" in html


def test_the_official_of_another_body_can_use_their_own_certificates(client, official_q, cert_q):
    client.force_login(official_q)
    response = lookup(client, NUMBER_Q, KEY_Q)
    assert response.status_code == 302
    assert "栃木県知事" in client.get(response.url).content.decode()


def test_a_second_official_of_the_body_sees_the_certificate_too(client, official_p, cert_p):
    colleague = factories.OfficialFactory(user__username="pia", body=official_p.official.body).user
    client.force_login(colleague)
    assert client.get(unlock(client)).status_code == 200
