"""The sequencer's rounds: a call takes what is pending, batch after full batch, and stops; what is
committed during a round waits for the next one and is never lost; a row the sequencer cannot vouch
for is still refused, whatever batch it comes in."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

import audit
from audit import sequencer
from audit.hashing import GENESIS, chain_hash
from audit.models import ChainHead, PendingEntry, TrailPosition
from audit.sequencer import sequence_pending
from tests.audit.helpers import raw_sql_bypassing_the_trigger


def _record(count: int, start: int = 1):
    return [audit.record(action="test.step", summary=f"手順{n}", step=n) for n in range(start, start + count)]


def _trail() -> list[int]:
    return list(TrailPosition.objects.order_by("position").values_list("entry_id", flat=True))


def test_more_pending_than_a_batch_are_all_integrated_in_order_by_one_call(db):
    entries = _record(7)
    assert sequence_pending(batch_size=3) == 7
    assert _trail() == [e.pk for e in entries]
    chain = GENESIS
    for place in TrailPosition.objects.order_by("position"):
        chain = chain_hash(chain, place.entry.hash)
        assert place.chain_hash == chain
    head = ChainHead.objects.get()
    assert (head.entries, head.last_hash) == (7, chain)
    assert not PendingEntry.objects.exists()
    assert sequence_pending(batch_size=3) == 0


def test_an_entry_written_during_a_round_waits_for_the_next_round_and_is_not_lost(db, monkeypatch):
    entries = _record(2)
    hash_of = sequencer.content_hash_of
    late = []

    def writer_commits_meanwhile(*content):
        if not late:  # after the round read its batch
            late.append(audit.record(action="test.late", summary="順序付け中に書かれた記録"))
        return hash_of(*content)

    monkeypatch.setattr(sequencer, "content_hash_of", writer_commits_meanwhile)
    assert sequence_pending() == 2  # the round does not chase it
    assert _trail() == [e.pk for e in entries]
    assert list(PendingEntry.objects.values_list("entry_id", flat=True)) == [late[0].pk]

    assert sequence_pending() == 1  # the next round takes it
    assert _trail() == [*(e.pk for e in entries), late[0].pk]
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == "OK: 3 audit entries verified."


def test_a_tampered_row_in_a_batch_is_refused_and_named_while_the_others_are_sequenced(db):
    entries = _record(4)
    edited, resealed = entries[1], entries[2]
    resealed.summary = "改ざん（ハッシュも計算し直し）"
    with raw_sql_bypassing_the_trigger() as cursor:
        cursor.execute("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["改ざん", edited.pk])
        cursor.execute(
            "UPDATE audit_auditentry SET summary = %s, hash = %s WHERE id = %s",
            [resealed.summary, resealed.compute_hash(), resealed.pk],
        )
    assert sequence_pending(batch_size=2) == 2
    assert _trail() == [entries[0].pk, entries[3].pk]
    assert not PendingEntry.objects.exists()
    with pytest.raises(CommandError) as error:
        call_command("audit_verify", stdout=io.StringIO())
    assert f"id={edited.pk} " in str(error.value) and "not in the trail" in str(error.value)


def test_entries_sealed_before_a_key_rotation_are_still_sequenced(db, settings):
    old = settings.SECRET_KEY
    before = _record(2)
    with override_settings(SECRET_KEY="a-new-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[old]):
        after = _record(1, start=3)
        assert sequence_pending() == 3
    assert _trail() == [e.pk for e in [*before, *after]]
    without_the_old_key = override_settings(
        SECRET_KEY="a-new-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[]
    )
    with without_the_old_key, pytest.raises(CommandError, match="seal"):
        call_command("audit_verify", stdout=io.StringIO())
