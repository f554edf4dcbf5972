"""D-Sure's transparency log, checked from outside: every proof here is verified by the RFC 9162
algorithms written out below, independently of the project's own code, and every signature with
`cryptography` directly; the one-file verifier is run as a separate process, as anyone would run it."""

import base64
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client

from dsure.digest import key_digest
from dsure.models import LogCheckpoint, LogEntry, LogLeaf, PostedVersion
from dsure.services import api_client_create, certificate_key_replace, certificate_revoke
from dsure.transparency import sequence_pending
from tests.audit.helpers import raw_sql_bypassing_the_trigger
from tests.dsure.conftest import BODY_P, KEY_P, NUMBER_P, make_number, post

VERIFIER = Path(__file__).resolve().parents[2] / "dsure" / "verifier.py"
public = Client()


# --- RFC 9162 §2.1, written out as the RFC states it (recursive, over all the leaves) ---------------


def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def proof(m: int, leaves: list[bytes]) -> list[bytes]:
    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [mth(d)]
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            return subproof(m, d[:k], b) + [mth(d[k:])]
        return subproof(m - k, d[k:], False) + [mth(d[:k])]

    return subproof(m, leaves, True)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def checkpoint() -> tuple[str, int, bytes]:
    """The published checkpoint, its signature checked against the published key with cryptography."""
    note = public.get("/dsure/log/checkpoint").content.decode()
    name, key_hash, key_data = public.get("/dsure/log/key").content.decode().strip().split("+", 2)
    raw = base64.b64decode(key_data)
    assert raw[0] == 1 and hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == key_hash
    text, signature_line = note.split("\n\n")
    dash, signer, signature = signature_line.strip().split(" ")
    assert (dash, signer) == ("\u2014", name)
    blob = base64.b64decode(signature)
    assert blob[:4].hex() == key_hash
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], (text + "\n").encode())
    origin, size, root = text.split("\n")
    assert origin == name
    return note, int(size), base64.b64decode(root)


def entries(size: int) -> list[bytes]:
    return [public.get(f"/dsure/log/entries/{i}").content for i in range(size)]


def post_changes(count: int, number=NUMBER_P):
    for sequence in range(2, count + 2):
        post(
            number,
            BODY_P,
            sequence=sequence,
            kind=PostedVersion.Kind.CHANGE,
            guarantee_amount=sequence * 1000,
        )


@pytest.fixture
def logged(cert_p):
    """小谷村's certificate, six changes, re-keyed, and a second certificate: 9 postings, sequenced."""
    post_changes(6)
    certificate_key_replace(number=NUMBER_P, key_digest=key_digest(NUMBER_P, "NewKey234567"))
    post(make_number(2), BODY_P, key=KEY_P)
    certificate_revoke(number=make_number(2), at=cert_p.created_at)
    assert sequence_pending() == 10
    return cert_p


def test_every_posting_is_a_leaf_and_the_signed_root_is_the_rfc_root(logged):
    _, size, root = checkpoint()
    assert size == 10
    leaves = entries(size)
    assert mth(leaves) == root
    kinds = [json.loads(leaf)["kind"] for leaf in leaves]
    assert kinds == ["new", *["change"] * 6, "key_reissue", "new", "revocation"]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 10])
def test_inclusion_proofs_match_the_rfc_for_every_leaf_and_size(logged, size):
    leaves = entries(10)
    for index in range(size):
        answer = public.get("/dsure/log/proof/inclusion", {"index": index, "size": size}).json()
        assert answer["hashes"] == [b64(h) for h in path(index, leaves[:size])]


def test_consistency_proofs_match_the_rfc(logged):
    leaves = entries(10)
    for first in range(1, 11):
        for second in range(first, 11):
            answer = public.get("/dsure/log/proof/consistency", {"first": first, "second": second}).json()
            assert answer["hashes"] == (
                [b64(h) for h in proof(first, leaves[:second])] if first < second else []
            )


def test_checkpoints_before_and_after_new_postings_are_consistent_across_a_restart(logged, tmp_path):
    old_note, old_size, old_root = checkpoint()
    post_changes(3, number=make_number(2))  # sequence 2…4 of the second certificate
    # A restart: nothing is kept in memory; a new sequencer run continues from the database.
    from dsure import transparency

    transparency._signer.cache_clear()
    assert sequence_pending() == 3
    new_note, new_size, new_root = checkpoint()
    assert new_size == old_size + 3 and mth(entries(new_size)[:old_size]) == old_root
    answer = public.get("/dsure/log/proof/consistency", {"first": old_size, "second": new_size}).json()
    assert answer["hashes"] == [b64(h) for h in proof(old_size, entries(new_size))]

    for name, text in {"old": old_note, "new": new_note, "proof": json.dumps(answer)}.items():
        (tmp_path / name).write_text(text)
    key = public.get("/dsure/log/key").content.decode().strip()
    run = _verifier("consistency", tmp_path / "old", tmp_path / "new", tmp_path / "proof", "--key", key)
    assert run.returncode == 0, run.stderr
    swapped = _verifier("consistency", tmp_path / "new", tmp_path / "old", tmp_path / "proof", "--key", key)
    assert swapped.returncode == 1


def _verifier(*args):
    return subprocess.run([sys.executable, str(VERIFIER), *map(str, args)], capture_output=True, text=True)


@pytest.fixture
def token_p(db):
    return api_client_create(body=logged_body(), name="電子契約システム")[1]


def logged_body():
    from dsure.models import Body

    return Body.objects.get(code=BODY_P.code)


def test_the_verify_apis_proof_verifies_offline_and_a_changed_posting_does_not(logged, token_p, tmp_path):
    answer = (
        Client()
        .post(
            "/dsure/api/v1/verify",
            {"number": make_number(2), "key": KEY_P},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_p}",
        )
        .json()
    )
    bundle = answer["proof"]
    assert set(bundle) == {"posting", "salt", "entry", "index", "inclusion", "checkpoint"}
    posting = json.loads(bundle["posting"])
    assert posting["number"] == make_number(2) and posting["content"] == answer["current"]
    entry = base64.b64decode(bundle["entry"])
    assert json.loads(entry)["commitment"] == b64(
        hashlib.sha256(base64.b64decode(bundle["salt"]) + bundle["posting"].encode()).digest()
    )
    _, size, root = checkpoint()
    assert bundle["inclusion"] == [b64(h) for h in path(bundle["index"], entries(size))]

    key = public.get("/dsure/log/key").content.decode().strip()
    (tmp_path / "bundle.json").write_text(json.dumps(answer))
    run = _verifier("bundle", tmp_path / "bundle.json", "--key", key)
    assert run.returncode == 0, run.stderr
    assert make_number(2) in run.stdout

    # Someone with the database rewrites the posted content: the rebuilt posting no longer matches.
    version = PostedVersion.objects.get(certificate__number=make_number(2), sequence=1)
    with raw_sql_bypassing_the_trigger() as cursor:
        if cursor.db.vendor == "postgresql":
            cursor.execute("ALTER TABLE dsure_postedversion DISABLE TRIGGER append_only")
        cursor.execute(
            "UPDATE dsure_postedversion SET content = %s WHERE id = %s",
            [json.dumps({**version.content, "guarantee_amount": 1}), version.pk],
        )
        if cursor.db.vendor == "postgresql":
            cursor.execute("ALTER TABLE dsure_postedversion ENABLE TRIGGER append_only")
    tampered = (
        Client()
        .post(
            "/dsure/api/v1/verify",
            {"number": make_number(2), "key": KEY_P},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_p}",
        )
        .json()
    )
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    run = _verifier("bundle", tmp_path / "tampered.json", "--key", key)
    assert run.returncode == 1 and "commitment" in run.stderr


def test_a_changed_entry_or_a_foreign_key_fails_the_verifier(logged, token_p, tmp_path):
    answer = (
        Client()
        .post(
            "/dsure/api/v1/verify",
            {"number": make_number(2), "key": KEY_P},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_p}",
        )
        .json()["proof"]
    )
    key = public.get("/dsure/log/key").content.decode().strip()
    entry = json.loads(base64.b64decode(answer["entry"]))
    forged = {**answer, "entry": b64(json.dumps({**entry, "kind": "correction"}).encode())}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    assert "not in the checkpoint" in _verifier("bundle", tmp_path / "forged.json", "--key", key).stderr

    from common.transparency import NoteSigner, generate_signer_key

    other = NoteSigner(generate_signer_key("d-sure.simulator.invalid/log")).verifier_key
    (tmp_path / "bundle.json").write_text(json.dumps(answer))
    assert _verifier("bundle", tmp_path / "bundle.json", "--key", other).returncode == 1


def test_the_public_endpoints_reveal_no_number_content_or_key(logged):
    revealed = b"".join(
        public.get(url).content
        for url in [
            "/dsure/log/checkpoint",
            "/dsure/log/key",
            "/dsure/log/proof/inclusion?index=3&size=10",
            "/dsure/log/proof/consistency?first=3&second=10",
        ]
    ) + b"".join(entries(10))
    number_digits = NUMBER_P.replace("-", "")[:10]
    for secret in [
        NUMBER_P,
        make_number(2),
        number_digits,
        KEY_P,
        "NewKey234567",
        "中小谷",
        "小谷村",
        "20,000,000",
    ]:
        assert secret.encode() not in revealed
    for digest in [key_digest(NUMBER_P, KEY_P)[1], key_digest(NUMBER_P, "NewKey234567")[1]]:
        assert digest.encode() not in revealed
    assert set(json.loads(entries(1)[0])) == {"commitment", "kind", "issuer", "posted_at"}
    assert not public.cookies


@pytest.mark.parametrize(
    "url",
    [
        "/dsure/log/proof/inclusion?index=10&size=10",
        "/dsure/log/proof/inclusion?index=0&size=11",
        "/dsure/log/proof/inclusion?index=-1&size=3",
        "/dsure/log/proof/consistency?first=0&second=3",
        "/dsure/log/proof/consistency?first=4&second=3",
        "/dsure/log/proof/consistency?first=٣&second=5",
        "/dsure/log/proof/inclusion",
    ],
)
def test_proofs_out_of_range_are_a_json_400(logged, url):
    response = public.get(url)
    assert response.status_code == 400 and "error" in response.json()


def test_an_entry_beyond_the_log_is_a_404(logged):
    assert public.get("/dsure/log/entries/10").status_code == 404
    assert public.get("/dsure/log/entries/99999999999999999999").status_code == 404


def test_an_empty_log_publishes_a_signed_empty_checkpoint(db):
    _, size, root = checkpoint()
    assert (size, root) == (0, hashlib.sha256(b"").digest())


def test_a_posting_waits_unsequenced_until_a_sequencer_runs(cert_p):
    assert LogEntry.objects.count() == 1 and not LogLeaf.objects.exists()
    assert checkpoint()[1] == 0
    out = io.StringIO()
    call_command("sequence_logs", stdout=out)  # the sweeper, as after a lost task
    assert out.getvalue().strip() == "sequenced 1 log entries, 0 audit entries"
    assert checkpoint()[1] == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrent writers need PostgreSQL (set DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_many_concurrent_posters_get_contiguous_indices_and_one_tree():
    """8 threads post 10 certificates each, every posting in its own transaction, and sequencers run
    after each commit from whichever thread gets the head: indices 0…79, each entry once."""
    from concurrent.futures import ThreadPoolExecutor

    def write(thread):
        try:
            for n in range(10):
                post(make_number(100 + thread * 10 + n), BODY_P, key=KEY_P)
        finally:
            connection.close()

    post(make_number(1), BODY_P, key=KEY_P)  # the body exists before the threads race to create it
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    sequence_pending()
    assert sorted(LogLeaf.objects.values_list("index", flat=True)) == list(range(81))
    assert LogLeaf.objects.values("entry").distinct().count() == LogEntry.objects.count() == 81
    _, size, root = checkpoint()
    assert size == 81 and mth(entries(size)) == root


@pytest.fixture
def monitor(monkeypatch, tmp_path):
    """log_monitor against this test's D-Sure: its HTTP fetches go through the test client."""
    from dsure.management.commands import log_monitor

    monkeypatch.setattr(
        log_monitor, "fetch", lambda url: public.get(url.removeprefix("http://d-sure")).content
    )
    key = public.get("/dsure/log/key").content.decode().strip()
    state = tmp_path / "monitor.json"

    def run():
        out = io.StringIO()
        call_command(
            "log_monitor", "--url", "http://d-sure", "--key", key, "--state", str(state), "--once", stdout=out
        )
        return out.getvalue()

    return run


def test_the_monitor_follows_the_log_across_restarts_and_raises_the_alarm_on_a_changed_entry(logged, monitor):
    assert "10 new entries, size 10" in monitor()
    assert "no new entries" in monitor()
    post_changes(2, number=make_number(2))
    sequence_pending()
    assert "2 new entries, size 12, consistent with size 10" in monitor()  # a new process, same state file

    post(make_number(3), BODY_P, key=KEY_P)
    sequence_pending()
    newest = LogLeaf.objects.get(index=12).entry
    with raw_sql_bypassing_the_trigger() as cursor:
        if cursor.db.vendor == "postgresql":
            cursor.execute("ALTER TABLE dsure_logentry DISABLE TRIGGER append_only")
        cursor.execute(
            "UPDATE dsure_logentry SET entry = %s WHERE id = %s",
            [bytes(newest.entry).replace(b'"new"', b'"correction"'), newest.pk],
        )
        if cursor.db.vendor == "postgresql":
            cursor.execute("ALTER TABLE dsure_logentry ENABLE TRIGGER append_only")
    with pytest.raises(CommandError, match="ALARM: the entries 0…12 do not make the checkpoint's root"):
        monitor()


def test_after_a_cancelled_change_the_bundle_is_the_restored_versions(cert_p, token_p):
    post(NUMBER_P, BODY_P, sequence=2, kind=PostedVersion.Kind.CHANGE, guarantee_amount=30_000_000)
    post(NUMBER_P, BODY_P, sequence=3, kind=PostedVersion.Kind.CANCELLATION)
    sequence_pending()
    answer = (
        Client()
        .post(
            "/dsure/api/v1/verify",
            {"number": NUMBER_P, "key": KEY_P},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_p}",
        )
        .json()
    )
    posting = json.loads(answer["proof"]["posting"])
    assert (posting["sequence"], posting["kind"]) == (1, "new")
    assert posting["content"] == answer["current"] and answer["current"]["guarantee_amount"] == 20_000_000
    assert answer["proof"]["index"] == 0


def test_more_pending_than_a_batch_get_a_checkpoint_per_batch_in_one_call(cert_p):
    post_changes(5)
    assert sequence_pending(batch_size=4) == 6
    assert list(LogCheckpoint.objects.order_by("size").values_list("size", flat=True)) == [4, 6]
    _, size, root = checkpoint()
    assert size == 6 and mth(entries(size)) == root
    assert sequence_pending(batch_size=4) == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a held row lock needs PostgreSQL (set DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_a_posting_is_not_held_by_a_stuck_sequencer_round_and_the_next_round_takes_it(monkeypatch, caplog):
    """A round that holds the log's head (stuck, or very slow) makes the next posting's own round give
    up after the lock timeout: the posting returns, its entry waits, and the next round sequences it."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from dsure import transparency
    from dsure.models import LogHead, LogPending

    monkeypatch.setattr(transparency, "HEAD_LOCK_TIMEOUT", "300ms")
    post(make_number(1), BODY_P, key=KEY_P)
    assert not LogPending.objects.exists()
    holding, release = threading.Event(), threading.Event()

    def hold_the_head():
        try:
            with transaction.atomic():
                LogHead.objects.select_for_update().get(pk=LogHead.SINGLETON)
                holding.set()
                release.wait(15)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        holder = pool.submit(hold_the_head)
        try:
            assert holding.wait(10)
            started = time.monotonic()
            post(make_number(2), BODY_P, key=KEY_P)
            elapsed = time.monotonic() - started
        finally:
            release.set()
        holder.result(timeout=20)

    assert elapsed < 5, f"the posting waited {elapsed:.1f} s for the sequencer's head"
    assert LogPending.objects.count() == 1
    assert "log head" in caplog.text
    assert sequence_pending() == 1
    assert checkpoint()[1] == 2
