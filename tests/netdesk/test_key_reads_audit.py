"""Every reading of a 認証キー (詳細, the key notice) and every PDF a clerk downloads is in the audit
trail — never the key itself."""

import json

import pytest

from audit.models import AuditEntry
from issuers import services as issuers_services


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def key_a(advance_a):
    return issuers_services.current_key(advance_a)


def test_each_view_of_the_key_on_the_detail_page_is_audited(client, contractor_a, advance_a, key_a):
    client.force_login(contractor_a)
    assert key_a in client.get(f"/netdesk/contracts/{advance_a.pk}/").content.decode()
    client.get(f"/netdesk/contracts/{advance_a.pk}/")
    viewed = entries("contract.key.view")
    assert len(viewed) == 2
    assert {(e.actor, e.object_id, e.detail["number"]) for e in viewed} == {
        (contractor_a, str(advance_a.pk), advance_a.number)
    }


def test_a_paper_contracts_detail_shows_no_key_and_records_no_view(client, contractor_a, paper_a):
    client.force_login(contractor_a)
    assert client.get(f"/netdesk/contracts/{paper_a.pk}/").status_code == 200
    assert not entries("contract.key.view")


def test_downloading_the_key_notice_is_audited(client, contractor_a, advance_a, key_a):
    client.force_login(contractor_a)
    response = client.get(f"/netdesk/contracts/{advance_a.pk}/key-notice/")
    assert response.status_code == 200
    (entry,) = entries("contract.key_notice.download")
    assert entry.actor == contractor_a and entry.detail == {"number": advance_a.number, "sequence": 1}


def test_a_clerks_pdf_downloads_are_audited(client, clerk_x, advance_a):
    version = advance_a.versions.get()
    statement = advance_a.fee_statements.get()
    client.force_login(clerk_x)
    base = f"/admin/issuers/guaranteecontract/{advance_a.pk}"
    assert client.get(f"{base}/versions/{version.pk}/pdf/").status_code == 200
    assert client.get(f"{base}/fees/{statement.pk}/pdf/").status_code == 200
    downloads = entries("contract.pdf.download")
    assert [(e.actor, e.detail["document"]) for e in downloads] == [
        (clerk_x, "certificate"),
        (clerk_x, "fee_statement"),
    ]
    assert downloads[0].detail["sequence"] == 1


def test_no_entry_ever_holds_the_key(client, contractor_a, clerk_x, advance_a, key_a):
    client.force_login(contractor_a)
    client.get(f"/netdesk/contracts/{advance_a.pk}/")
    client.get(f"/netdesk/contracts/{advance_a.pk}/key-notice/")
    rows = json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)
    assert key_a not in rows
