"""An audit trail outlives everything: it must never hold a 認証キー."""

import json

from audit.models import AuditEntry
from issuers import services


def _everything_written(entry: AuditEntry) -> str:
    return " ".join(
        [
            entry.actor_label,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.summary,
            json.dumps(entry.detail, ensure_ascii=False),
        ]
    )


def test_no_entry_holds_the_key_after_an_issue_and_a_reissue(client, contract, clerk_x):
    first_key = services.current_key(contract)
    client.force_login(clerk_x)
    response = client.post(
        f"/admin/issuers/guaranteecontract/{contract.pk}/reissue-key/", {"reason": "漏えいの疑い"}
    )
    assert response.status_code == 302
    second_key = services.current_key(contract)
    assert first_key != second_key

    entries = list(AuditEntry.objects.all())
    assert {e.action for e in entries} == {"contract.issue", "dsure.post", "key.reissue"}
    for entry in entries:
        written = _everything_written(entry)
        assert first_key not in written
        assert second_key not in written
