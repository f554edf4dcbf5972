"""`manage.py bench_log`: what the lock-free audit trail and the transparency log cost.

1. Audited writes per second with 1 and with 8 connections (processes, each its own database
   connection, so Python's GIL does not cap them): each write is one transaction that records one
   audit entry (one INSERT; the database queues it), as `audit.record` does in production — which
   queues the sequencer's task after a commit at most once per AUDIT_SEQUENCE_INTERVAL per process
   (TASKS_BACKEND=database, as scaled out); meanwhile this process sequences the trail every 50 ms, as
   the worker would. With the former global chain-head lock the ratio was about 1: every audited
   transaction queued on one row until it committed.
2. Posting → checkpoint latency: --postings certificates posted to D-Sure (dsure.services.certificate_post)
   from 4 processes, each running the log's sequencer right after its commit, as the embedded default
   does; for each posting, the time from its posted_at (inside its transaction) to the publication of
   the first signed checkpoint that includes it. p50 and p99.
"""

import json
import multiprocessing
import statistics
import threading
import time

from django.core.management.base import BaseCommand
from django.db import connection, connections, transaction

import audit
from audit.models import PendingEntry
from audit.sequencer import sequence_pending as sequence_trail
from dsure.models import LogCheckpoint, LogEntry
from dsure.services import PostedBody, certificate_post
from dsure.transparency import sequence_pending as sequence_log

BODY = PostedBody(code="204862", name="小谷村")
POSTING_PROCS = 4


class Command(BaseCommand):
    help = "Audited writes/s with 8 connections vs 1; posting → signed checkpoint latency."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=5)
        parser.add_argument("--postings", type=int, default=400)
        parser.add_argument("--json", dest="json_path", required=True)

    def handle(self, *args, seconds, postings, json_path, **options):
        sequence_trail()
        sequence_log()
        writes = {procs: _audited_writes(procs, seconds) for procs in (1, 8)}
        latencies = _posting_latencies(postings)
        results = {
            "audited_writes_per_s": writes,
            "writes_8_vs_1": writes[8] / writes[1],
            "postings": postings,
            "latency_p50_ms": statistics.median(latencies),
            "latency_p99_ms": statistics.quantiles(latencies, n=100)[98],
        }
        self.stdout.write(json.dumps(results))
        with open(json_path, "w") as out:
            json.dump(results, out)


def _in_processes(function, args: list) -> list:
    connections.close_all()  # each child opens its own connection
    with multiprocessing.get_context("fork").Pool(len(args)) as pool:
        return pool.map(function, args)


def _write_until(deadline: float) -> int:
    count = 0
    while time.time() < deadline:
        with transaction.atomic():
            audit.record(action="bench.write", summary="監査記録の書き込み（ベンチ）", n=count)
        count += 1
    connection.close()
    return count


def _audited_writes(procs: int, seconds: float) -> float:
    stop = threading.Event()

    def sequencer():  # the worker's part, in this process
        while not stop.wait(0.05):
            sequence_trail()
        connection.close()

    thread = threading.Thread(target=sequencer)
    thread.start()
    began = time.time()
    counts = _in_processes(_write_until, [began + seconds] * procs)
    elapsed = time.time() - began
    stop.set()
    thread.join()
    sequence_trail()
    if PendingEntry.objects.exists():
        raise RuntimeError("audit entries left unsequenced")
    return sum(counts) / elapsed


def _post(numbers: range) -> None:
    for n in numbers:
        number = f"99{n:08d}"  # not a real series: D-Sure does not check posted numbers
        certificate_post(
            number=number,
            body=BODY,
            product_name="前払金保証",
            sequence=1,
            kind="new",
            content={"number": number, "company_name": "東日本建設業保証株式会社"},
            pdf=None,
            key_digest=("v1", "0" * 64),
        )
        sequence_log()  # inline after the commit, as the embedded default's task does
    connection.close()


def _posting_latencies(postings: int) -> list[float]:
    first = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    start = first  # serials not used by an earlier run on the same database
    _in_processes(_post, [range(start + p, start + postings, POSTING_PROCS) for p in range(POSTING_PROCS)])
    sequence_log()
    leaves = list(
        LogEntry.objects.filter(pk__gt=first).order_by("leaf__index").values_list("leaf__index", "posted_at")
    )
    checkpoints = list(LogCheckpoint.objects.order_by("size").values_list("size", "published_at"))
    latencies, c = [], 0
    for index, posted_at in leaves:
        while checkpoints[c][0] <= index:
            c += 1
        latencies.append((checkpoints[c][1] - posted_at).total_seconds() * 1000)
    return latencies
