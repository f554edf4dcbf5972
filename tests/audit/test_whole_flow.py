"""One application's whole life, as the audit trail shows it, and the chain verifies."""

import datetime

from django.core.management import call_command

from audit.models import AuditEntry
from dsure.models import Official
from dsure.services import certificate_lookup
from issuers import services as issuers_services
from netdesk import services
from netdesk.models import ProductRequest

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


def test_a_whole_flow_is_recorded_in_order(
    time_machine, application_a, contractor_a, clerk_x, official_p, official_q, fee_rates, capsys
):
    time_machine.move_to(NOW, tick=False)
    services.application_submit(application=application_a, by=contractor_a)
    services.application_review_start(application=application_a, by=clerk_x)
    advance = ProductRequest.objects.get(application=application_a, product="advance")
    contract = services.product_request_issue(product_request=advance, by=clerk_x)
    key = issuers_services.current_key(contract)
    certificate_lookup(
        official=Official.objects.get(user=official_q),
        number_typed=contract.number,
        key=key,
        ip_address="10.0.0.2",
    )
    certificate_lookup(
        official=Official.objects.get(user=official_p),
        number_typed=contract.number,
        key=key,
        ip_address="10.0.0.1",
    )

    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor__username"))
    assert actions == [
        ("application.submit", "alice"),
        ("application.review_start", "xavier"),
        ("contract.issue", "xavier"),
        ("dsure.post", "xavier"),
        ("dsure.lookup.failure", "quinn"),
        ("dsure.lookup.success", "paul"),
    ]
    assert not any(key in str(row) for row in AuditEntry.objects.values())
    call_command("audit_verify")
    assert "OK: 6 audit entries verified." in capsys.readouterr().out
