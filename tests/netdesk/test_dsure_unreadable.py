"""D-Sure served elsewhere (DSURE_URL) answering 200 with something that is not its JSON (a proxy's
HTML page, the wrong shape): Net Desk's pages still answer, as when D-Sure is down, and a posting stays
waiting with the reason recorded."""

import pytest
import requests

from issuers import postings
from issuers.models import DsurePosting
from tests.netdesk.contracts_helpers import NOW, detail_url, issue_application

UNREADABLE = [b"<html>maintenance</html>", b"[]", b'{"x": "bad"}', b'{"posted_at": "soon", "bundle": 3}']


@pytest.fixture(params=UNREADABLE, ids=["html", "list", "other-object", "bad-values"])
def d_sure_answers(request, settings, monkeypatch):
    settings.DSURE_URL = "https://d-sure.example.jp"
    settings.DSURE_ISSUER_TOKEN = "Xq3vJ9yQm2Zt7Lw4Rb8Nc6Hd1Kf5Sg0PaEuYiOoTrWs"

    def answer(method, url, **kwargs):
        response = requests.Response()
        response.status_code = 200
        response._content = request.param
        response.headers["Content-Type"] = "application/json"
        return response

    monkeypatch.setattr(requests, "request", answer)
    return request.param


@pytest.fixture
def contract(d_sure_answers, time_machine, fee_rates, company_a, contractor_a, body_p, branch_x, clerk_x):
    time_machine.move_to(NOW, tick=False)
    advance, _ = issue_application(
        company=company_a, contractor=contractor_a, body=body_p, branch=branch_x, clerk=clerk_x
    )
    return advance.contract


def test_net_desk_pages_answer_and_the_posting_records_why(contract, client, contractor_a):
    client.force_login(contractor_a)
    assert client.get("/netdesk/contracts/?tab=electronic").status_code == 200
    page = client.get(detail_url(contract))
    assert page.status_code == 200
    assert "発注者の閲覧: 未" in page.content.decode()
    assert client.get(f"/netdesk/contracts/{contract.pk}/proof.json").status_code == 404

    assert not postings.postings_send(contract_id=contract.pk)
    posting = DsurePosting.objects.get(contract=contract)
    assert posting.posted_at is None and posting.last_error
