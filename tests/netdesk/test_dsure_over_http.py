"""D-Sure served elsewhere (DSURE_URL): the surety company's side and D-Sure talk only over HTTP, through
issuers.dsure_client and dsure.inbound, with the issuer's bearer token. The whole flow works the same;
a D-Sure that is down never fails an issue (the version reads 掲載待ち until the outbox posts it)."""

import datetime

import pytest
import requests
from django.core.management import call_command

from dsure.models import Certificate, ReceivedPosting
from dsure.services import certificate_lookup
from issuers import services as issuers_services
from issuers.models import DsurePosting
from tests.netdesk.contracts_helpers import NOW, change, correct, detail_url, history_rows, issue_application

TOKEN = "Xq3vJ9yQm2Zt7Lw4Rb8Nc6Hd1Kf5Sg0PaEuYiOoTrWs"
DOWN = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused


@pytest.fixture
def over_http(settings, live_server):
    settings.DSURE_URL = live_server.url
    settings.DSURE_ISSUER = "surety-x"
    settings.DSURE_ISSUER_TOKEN = TOKEN
    settings.DSURE_ISSUER_TOKENS = [f"surety-x:{TOKEN}", "surety-y:AnotherIssuersTokenOfSufficientLength1234"]
    return settings


@pytest.fixture
def calls(monkeypatch):
    """Every HTTP request the client makes: (method, path)."""
    made = []
    send = requests.request

    def spy(method, url, **kwargs):
        made.append((method, url.split("/dsure/surety/v1", 1)[1].split("?")[0]))
        assert TOKEN not in url
        return send(method, url, **kwargs)

    monkeypatch.setattr(requests, "request", spy)
    return made


def lookup(official, number, key):
    return certificate_lookup(
        official=official.official, number_typed=number, key=key, ip_address="192.0.2.1"
    )


@pytest.mark.django_db(transaction=True)
def test_the_whole_flow_over_http(
    over_http,
    calls,
    time_machine,
    fee_rates,
    company_a,
    contractor_a,
    body_p,
    branch_x,
    clerk_x,
    official_p,
    client,
):
    time_machine.move_to(NOW, tick=False)
    advance, _ = issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )
    contract = advance.contract
    key = issuers_services.current_key(contract)
    certificate = Certificate.objects.get(number=contract.number)
    assert certificate.issuer == "surety-x"
    assert lookup(official_p, contract.number, key).succeeded

    change(contract, clerk_x, guarantee_amount=18_000_000)
    correct(contract, clerk_x, work_name="中小谷地区道路改良工事（訂正）")
    issuers_services.contract_cancel_change(contract=contract, by=clerk_x, reason="変更の取下げ")
    new_key = issuers_services.key_reissue(contract=contract, by=clerk_x, reason="漏えいのおそれ")
    assert not lookup(official_p, contract.number, key).succeeded
    assert lookup(official_p, contract.number, new_key).succeeded
    issuers_services.contract_revoke(contract=contract, by=clerk_x, reason="工事請負契約の解除")

    posted = list(ReceivedPosting.objects.filter(number=contract.number).values_list("kind", flat=True))
    assert sorted(posted) == sorted(
        ["new", "change", "correction", "cancellation", "key_reissue", "revocation"]
    )
    assert [c for c in calls if c[0] == "POST"].count(("POST", "/postings")) >= 6
    assert not DsurePosting.objects.filter(contract=contract, posted_at__isnull=True).exists()
    assert not DsurePosting.objects.exclude(key_ciphertext="").exists()  # the key left with the posting
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None

    # Net Desk reads what only D-Sure knows (the body's first view) over HTTP too.
    client.force_login(contractor_a)
    page = client.get(detail_url(contract)).content.decode()
    assert "発注者の閲覧: 済" in page
    assert ("GET", "/first-views") in calls
    assert all(posted_at != "掲載待ち" for _, posted_at, _, _ in history_rows(page))
    proof = client.get(f"/netdesk/contracts/{contract.pk}/proof.json")
    assert proof.status_code == 200 and proof.json()["checkpoint"]
    assert ("GET", f"/certificates/{contract.number}/proof") in calls


@pytest.mark.django_db(transaction=True)
def test_d_sure_down_the_issue_succeeds_shows_waiting_and_posts_on_retry(
    over_http,
    time_machine,
    fee_rates,
    company_a,
    contractor_a,
    body_p,
    branch_x,
    clerk_x,
    official_p,
    client,
    admin_client,
):
    live_url = over_http.DSURE_URL
    over_http.DSURE_URL = DOWN
    time_machine.move_to(NOW, tick=False)
    advance, _ = issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )
    contract = advance.contract
    key = issuers_services.current_key(contract)
    assert not Certificate.objects.filter(number=contract.number).exists()
    waiting = DsurePosting.objects.get(contract=contract)
    assert waiting.posted_at is None and waiting.attempts == 1 and waiting.last_error
    assert contract.versions.get().posted_at is None

    client.force_login(contractor_a)
    page = client.get(detail_url(contract)).content.decode()
    assert [row[1] for row in history_rows(page)] == ["掲載待ち"]
    assert "発注者の閲覧: 未" in page  # D-Sure unreachable: the page still answers
    admin_page = admin_client.get(f"/admin/issuers/guaranteecontract/{contract.pk}/change/").content.decode()
    assert "掲載待ち" in admin_page

    # A 変更 meanwhile waits behind the 新規: D-Sure gets them in order.
    change(contract, clerk_x, guarantee_amount=18_000_000)
    assert not Certificate.objects.filter(number=contract.number).exists()

    over_http.DSURE_URL = live_url
    call_command("send_outbox")  # not yet due: backoff
    assert not Certificate.objects.filter(number=contract.number).exists()
    time_machine.move_to(NOW + datetime.timedelta(minutes=10), tick=False)
    call_command("send_outbox")
    certificate = Certificate.objects.get(number=contract.number)
    assert list(certificate.versions.values_list("kind", flat=True)) == ["new", "change"]
    assert lookup(official_p, contract.number, key).succeeded
    page = client.get(detail_url(contract)).content.decode()
    assert "掲載待ち" not in page

    # A retried posting D-Sure had already taken is neither stored nor logged twice.
    first = DsurePosting.objects.filter(contract=contract).order_by("pk").first()
    DsurePosting.objects.filter(pk=first.pk).update(posted_at=None)
    call_command("send_outbox")
    assert ReceivedPosting.objects.filter(number=contract.number).count() == 2
    assert certificate.log_entries.count() == 2
