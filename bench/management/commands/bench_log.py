"""`manage.py bench_log`: what the lock-free audit trail and the transparency log cost.

1. Audited writes per second with 1 and with 8 connections (threads, each its own database
   connection): each write is one transaction that records one audit entry, then — after the commit,
   as in the embedded default — the sequencer's round. With the former global chain-head lock the
   ratio was about 1: every audited transaction queued on one row until it committed.
2. Posting → checkpoint latency: --postings certificates posted to D-Sure (dsure.services.certificate_post)
   from 4 threads; for each, the time from its posted_at (inside its transaction) to the publication of
   the first signed checkpoint that includes it. p50 and p99.

Run it with TASKS_BACKEND=immediate (the sequencer inline after each commit); bench/run.py does.
"""

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connection, transaction

import audit
from audit.sequencer import sequence_pending as sequence_trail
from common.contract_numbers import check_character
from dsure.models import LogCheckpoint, LogEntry
from dsure.services import PostedBody, certificate_post
from dsure.transparency import sequence_pending as sequence_log

BODY = PostedBody(code="204862", name="小谷村")


class Command(BaseCommand):
    help = "Audited writes/s with 8 connections vs 1; posting → signed checkpoint latency."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=5)
        parser.add_argument("--postings", type=int, default=400)
        parser.add_argument("--json", dest="json_path", required=True)

    def handle(self, *args, seconds, postings, json_path, **options):
        sequence_trail()
        sequence_log()
        writes = {threads: _audited_writes(threads, seconds) for threads in (1, 8)}
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


def _audited_writes(threads: int, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    counts = [0] * threads

    def write(n):
        try:
            while time.monotonic() < deadline:
                with transaction.atomic():
                    audit.record(action="bench.write", summary="監査記録の書き込み（ベンチ）", thread=n)
                counts[n] += 1
        finally:
            connection.close()

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(write, range(threads)))
    return sum(counts) / (time.monotonic() - began)


def _posting_latencies(postings: int) -> list[float]:
    first = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    serial = iter(range(postings))
    lock = threading.Lock()

    def post(_):
        try:
            while True:
                with lock:
                    n = next(serial, None)
                if n is None:
                    return
                digits = f"99108{n:05d}"
                number = f"99108-{n:05d}{check_character(digits)}"
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
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(post, range(4)))
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
