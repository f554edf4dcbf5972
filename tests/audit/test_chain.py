"""The audit trail of a whole flow, and what audit_verify makes of a trail someone tampered with.

The tests run inside one transaction, so nothing commits and the sequencer, which runs after a
commit, is called by hand (`sequence_pending`) where a test needs the entries' positions."""

import datetime
import decimal
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

import audit
from audit.hashing import GENESIS, chain_hash
from audit.models import AuditEntry, ChainHead, TrailPosition
from audit.sequencer import sequence_pending
from issuers import services
from tests.audit.helpers import raw_sql_bypassing_the_trigger
from tests.issuers.helpers import terms


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", stdout=io.StringIO())
    return str(error.value)


def test_a_contracts_whole_life_is_recorded_in_order_and_chained(contract, clerk_x):
    services.contract_change(
        contract=contract, amendment=services.Amendment(guarantee_amount=15_000_000), by=clerk_x
    )
    services.contract_correct(
        contract=contract,
        amendment=services.Amendment(work_name="中小谷地区道路改良工事（その2）"),
        by=clerk_x,
    )
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    services.key_reissue(contract=contract, by=clerk_x, reason="漏えいの疑い")

    sequence_pending()
    entries = [place.entry for place in TrailPosition.objects.select_related("entry").order_by("position")]
    assert [e.action for e in entries] == [
        "contract.issue",
        "dsure.post",
        "contract.change",
        "dsure.post",
        "contract.correct",
        "dsure.post",
        "contract.cancel_change",
        "dsure.post",
        "key.reissue",
    ]
    chain = GENESIS
    for position, entry in enumerate(entries, start=1):
        chain = chain_hash(chain, entry.hash)
        assert entry.position.position == position and entry.position.chain_hash == chain
    assert all(previous.at <= entry.at for previous, entry in zip(entries, entries[1:], strict=False))
    assert {(e.actor, e.actor_label) for e in entries} == {(clerk_x, "xavier")}
    assert all(e.ip_address is None for e in entries)  # no request: a service called directly
    issue, change = entries[0], entries[2]
    assert issue.object_type == "issuers.guaranteecontract" and issue.object_id == str(contract.pk)
    assert contract.number in issue.summary and "発行" in issue.summary
    assert change.detail["changes"] == {"guarantee_amount": 15_000_000}
    assert [e.detail["sequence"] for e in entries if e.action == "dsure.post"] == [1, 2, 3, 4]
    assert entries[-1].detail["reason"] == "漏えいの疑い"
    assert verify().strip() == "OK: 9 audit entries verified."


def test_a_paper_contract_is_issued_but_never_posted(time_machine, fee_rates, branch_x, body_p, clerk_x):
    services.contract_issue(terms=terms(branch=branch_x, body=body_p, format="paper"), by=clerk_x)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["contract.issue"]


def _five_entries():
    entries = [audit.record(action="test.step", summary=f"手順{n}", step=n) for n in range(1, 6)]
    sequence_pending()
    return entries


def _delete_from_the_trail(cursor, *entries) -> None:
    ids = [entry.pk for entry in entries]
    cursor.execute(f"DELETE FROM audit_trailposition WHERE entry_id IN ({', '.join(['%s'] * len(ids))})", ids)
    cursor.execute(f"DELETE FROM audit_auditentry WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)


def test_a_summary_changed_in_sql_is_named_as_the_first_broken_entry(db):
    entries = _five_entries()
    third = entries[2]
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["改ざん", third.pk])

    message = broken()
    assert f"entry id={third.pk} " in message
    assert "action=test.step" in message
    assert timezone.localtime(third.at).isoformat() in message
    assert "does not match its hash" in message
    assert "2 entries verified before it" in message


def test_a_tamperer_who_rehashes_the_entry_is_caught_by_its_seal(db):
    third = _five_entries()[2]
    third.summary = "改ざん"
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET summary = %s, hash = %s WHERE id = %s",
            ["改ざん", third.compute_hash(), third.pk],
        )
    message = broken()
    assert f"entry id={third.pk} " in message and "seal" in message


def test_two_entries_swapped_in_the_trail_break_the_chain(db):
    entries = _five_entries()
    third = entries[2]
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("UPDATE audit_trailposition SET position = 1000 WHERE position = 2")
        cursor.execute("UPDATE audit_trailposition SET position = 2 WHERE position = 3")
        cursor.execute("UPDATE audit_trailposition SET position = 3 WHERE position = 1000")
    message = broken()
    assert f"entry id={third.pk} " in message and "chain hash" in message


def test_an_entry_deleted_from_the_middle_breaks_the_chain_at_its_successor(db):
    entries = _five_entries()
    with raw_sql_bypassing_the_trigger() as cursor:
        _delete_from_the_trail(cursor, entries[1])
    message = broken()
    assert f"entry id={entries[2].pk} " in message
    assert "positions 2–2 are missing" in message


def test_an_entry_taken_out_of_the_trail_but_left_in_the_table_is_named(db):
    entries = _five_entries()
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("DELETE FROM audit_trailposition WHERE position = 5")
        cursor.execute(
            "UPDATE audit_chainhead SET entries = 4, last_hash = %s",
            [TrailPosition.objects.get(position=4).chain_hash],
        )
    message = broken()
    assert f"entry id={entries[4].pk} " in message and "not in the trail" in message


def test_cutting_off_the_newest_entries_is_noticed(db):
    entries = _five_entries()
    with raw_sql_bypassing_the_trigger() as cursor:
        _delete_from_the_trail(cursor, entries[3], entries[4])
    message = broken()
    assert "missing at the end" in message
    assert f"id={entries[2].pk} " in message


def test_an_empty_trail_verifies(db):
    assert verify().strip() == "OK: 0 audit entries verified."


def test_the_code_has_no_way_to_change_or_delete_an_entry(db):
    entry = audit.record(action="test.step", summary="元の概要")
    entry.summary = "改ざん"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="改ざん")
    with pytest.raises(ValidationError):
        AuditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.bulk_create([AuditEntry(action="test.forged", summary="偽造")])
    with pytest.raises(ValidationError):  # only audit.record writes: it alone knows the chain
        AuditEntry.objects.create(action="test.forged", summary="偽造", at=timezone.now(), hash=entry.hash)
    assert AuditEntry.objects.get().summary == "元の概要"
    sequence_pending()
    assert verify().strip() == "OK: 1 audit entries verified."


def test_an_entry_rolls_back_with_the_change_it_records(db):
    audit.record(action="test.step", summary="残る")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.step", summary="取り消される")
        raise RuntimeError("the business change failed")
    audit.record(action="test.step", summary="続き")
    assert list(AuditEntry.objects.order_by("id").values_list("summary", flat=True)) == ["残る", "続き"]
    sequence_pending()
    assert ChainHead.objects.get().entries == 2
    assert verify().strip() == "OK: 2 audit entries verified."


def test_detail_reads_back_exactly_so_odd_values_still_verify(db, superuser):
    audit.record(
        action="test.values",
        summary="いろいろな値",
        by=superuser,
        amount=decimal.Decimal("12345.60"),
        rate=0.0025,
        day=datetime.date(2026, 4, 1),
        nested={"b": [1, "二", None, True], "a": {"z": 1, "y": 2}},
        big=2**62,
    )
    entry = AuditEntry.objects.get()
    assert entry.detail["amount"] == "12345.60"
    assert entry.detail["day"] == "2026-04-01"
    assert entry.actor == superuser and entry.actor_label == "root"
    assert verify().startswith("OK: 1 ")


@pytest.mark.parametrize("name", ["key", "auth_key", "password", "sessionid", "csrftoken", "認証キー"])
def test_a_detail_named_like_a_secret_is_refused_and_nothing_is_written(db, name):
    with pytest.raises(ValueError, match="secret"):
        audit.record(action="test.step", summary="秘密", **{name: "AbCdEfGh2345"})
    with pytest.raises(ValueError, match="secret"):
        audit.record(action="test.step", summary="秘密", form={"fields": 1, name: "AbCdEfGh2345"})
    assert not AuditEntry.objects.exists()


def test_outside_a_request_the_actor_is_the_system(db):
    entry = audit.record(action="test.step", summary="夜間処理")
    assert (entry.actor, entry.actor_label, entry.ip_address) == (None, "system", None)


def test_an_action_must_be_a_dotted_english_code(db):
    with pytest.raises(ValueError):
        audit.record(action="発行", summary="発行")
    assert not AuditEntry.objects.exists()
