"""Through real requests: who acted and from which address, and who may read the trail in the admin."""

import pytest

import audit
from audit.models import AuditEntry
from audit.sequencer import sequence_pending
from audit.verify import verify_chain

REISSUE = "/admin/issuers/guaranteecontract/{pk}/reissue-key/"


def test_an_operation_in_a_request_records_the_user_and_the_client_ip(client, contract, clerk_x):
    client.force_login(clerk_x)
    client.post(REISSUE.format(pk=contract.pk), {"reason": "紛失"}, REMOTE_ADDR="203.0.113.7")

    entry = AuditEntry.objects.get(action="key.reissue")
    assert entry.ip_address == "203.0.113.7"
    assert (entry.actor, entry.actor_label) == (clerk_x, "xavier")


def test_behind_our_proxy_the_ip_is_the_one_the_proxy_saw_not_a_forged_header(
    client, contract, clerk_x, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(clerk_x)
    client.post(
        REISSUE.format(pk=contract.pk),
        {"reason": "紛失"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.23",
    )
    assert AuditEntry.objects.get(action="key.reissue").ip_address == "198.51.100.23"


def test_an_ipv6_client_is_recorded_and_the_chain_still_verifies(client, contract, clerk_x):
    client.force_login(clerk_x)
    client.post(REISSUE.format(pk=contract.pk), {"reason": "紛失"}, REMOTE_ADDR="2001:DB8:0:0::1")
    assert AuditEntry.objects.get(action="key.reissue").ip_address == "2001:db8::1"
    assert verify_chain().ok


def test_the_request_context_ends_with_the_request(client, contract, clerk_x):
    client.force_login(clerk_x)
    client.get("/admin/", REMOTE_ADDR="203.0.113.7")
    entry = audit.record(action="test.step", summary="リクエストの外")
    assert (entry.actor, entry.actor_label, entry.ip_address) == (None, "system", None)


def test_a_superuser_reads_the_trail_with_filters_and_search_but_cannot_change_it(
    client, contract, superuser
):
    client.force_login(superuser)
    listing = client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert contract.number in page
    assert "contract.issue" in page and "dsure.post" in page
    assert "/admin/audit/auditentry/add/" not in page

    filtered = client.get("/admin/audit/auditentry/", {"action__exact": "dsure.post"}).content.decode()
    assert "contract.issue" not in filtered.split("<tbody>")[1] and "dsure.post" in filtered
    assert client.get("/admin/audit/auditentry/", {"q": contract.number}).status_code == 200

    entry = AuditEntry.objects.get(action="contract.issue")
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert (
        client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"summary": "改ざん"}).status_code == 403
    )
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).summary == entry.summary


@pytest.mark.parametrize("persona", ["clerk_x", "contractor_a", "official_p"])
def test_nobody_else_reads_the_trail(client, contract, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/audit/auditentry/")
    assert response.status_code in {302, 403}
    assert contract.number not in response.content.decode()


def test_the_trail_list_costs_a_bounded_number_of_queries(
    client, contract, superuser, django_assert_max_num_queries
):
    for n in range(30):
        audit.record(action="test.step", summary=f"手順{n}", by=superuser)
    sequence_pending()  # what the sequencer's next round does; the list's own cost is measured
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/audit/auditentry/").status_code == 200
