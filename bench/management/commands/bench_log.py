"""`manage.py bench_log`: what the lock-free audit trail and the transparency log cost.

1. Audited writes per second with 1 and with 8 connections (processes, each its own database
   connection, so Python's GIL does not cap them): each write is one transaction that records one
   audit entry (one INSERT; the database queues it), as `audit.record` does in production — which
   queues the sequencer's task after a commit at most once per AUDIT_SEQUENCE_INTERVAL per process
   (TASKS_BACKEND=database, as scaled out); meanwhile this process sequences the trail every 50 ms, as
   the worker would. With the former global chain-head lock the ratio was about 1: every audited
   transaction queued on one row until it committed. Beside the rates, per write: the writers' Python
   CPU, their PostgreSQL backends' CPU (/proc/<pg_backend_pid()>/stat: PostgreSQL on this host; left
   out when unreadable), the sequencer's (Python and backend) per entry it integrated, each writer's
   wall time per write, and what they imply on this machine's CPUs: with 1 writer, CPU ÷ wall = the
   cores one writer keeps busy; with 8, CPUs ÷ CPU per write = the most 8 connections can reach.
2. Posting → checkpoint latency: --postings certificates posted to D-Sure (dsure.services.certificate_post)
   from 4 processes, each running the log's sequencer right after its commit, as the embedded default
   does; for each posting, the time from its posted_at (inside its transaction) to the publication of
   the first signed checkpoint that includes it. p50 and p99.
"""

import json
import multiprocessing
import os
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
        runs = {procs: _audited_writes(procs, seconds) for procs in (1, 8)}
        writes = {procs: run["per_s"] for procs, run in runs.items()}
        latencies = _posting_latencies(postings)
        results = {
            "audited_writes_per_s": writes,
            "writes_8_vs_1": writes[8] / writes[1],
            "cpus": _cpus(),
            "per_write": {procs: run["per_write"] for procs, run in runs.items()},
            **_bound(runs),
            "postings": postings,
            "latency_p50_ms": statistics.median(latencies),
            "latency_p99_ms": statistics.quantiles(latencies, n=100)[98],
        }
        self.stdout.write(json.dumps(results))
        with open(json_path, "w") as out:
            json.dump(results, out)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _backend_pid() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _cpu_of(pid: int | None) -> float | None:
    """Seconds of CPU (user + system) the process has used, or None when /proc does not show it (not
    Linux, PostgreSQL on another host or in a container with its own pid namespace)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def _in_processes(function, args: list) -> list:
    connections.close_all()  # each child opens its own connection
    with multiprocessing.get_context("fork").Pool(len(args)) as pool:
        return pool.map(function, args)


def _write_until(deadline: float) -> dict:
    backend = _backend_pid()
    backend_before, python_before, began = _cpu_of(backend), time.process_time(), time.monotonic()
    count = 0
    while time.time() < deadline:
        with transaction.atomic():
            audit.record(action="bench.write", summary="監査記録の書き込み（ベンチ）", n=count)
        count += 1
    wall, python = time.monotonic() - began, time.process_time() - python_before
    backend_after = _cpu_of(backend)
    connection.close()
    return {
        "count": count,
        "wall_s": wall,
        "python_s": python,
        "backend_s": None if backend_after is None else backend_after - backend_before,
    }


def _audited_writes(procs: int, seconds: float) -> dict:
    stop = threading.Event()
    sequencer = {}

    def sequence():  # the worker's part, in this process; its CPU is this thread's and its backend's
        backend = _backend_pid()
        backend_before, python_before, entries = _cpu_of(backend), time.thread_time(), 0
        while not stop.wait(0.05):
            entries += sequence_trail()
        entries += sequence_trail()  # what the last writes left
        backend_after = _cpu_of(backend)
        sequencer.update(
            entries=entries,
            python_s=time.thread_time() - python_before,
            backend_s=None if backend_after is None else backend_after - backend_before,
        )
        connection.close()

    thread = threading.Thread(target=sequence)
    thread.start()
    began = time.time()
    writers = _in_processes(_write_until, [began + seconds] * procs)
    elapsed = time.time() - began
    stop.set()
    thread.join()
    if PendingEntry.objects.exists():
        raise RuntimeError("audit entries left unsequenced")
    count, entries = sum(w["count"] for w in writers), sequencer["entries"]
    per_write = {
        "writer_python_us": _per(sum(w["python_s"] for w in writers), count),
        "writer_backend_us": _per(_total(w["backend_s"] for w in writers), count),
        "sequencer_python_us": _per(sequencer["python_s"], entries),
        "sequencer_backend_us": _per(sequencer["backend_s"], entries),
    }
    parts = list(per_write.values())
    per_write["cpu_us"] = None if None in parts else sum(parts)
    # Each writer's wall time per write (its latency): its seconds ÷ its own count.
    per_write["latency_us"] = statistics.mean(w["wall_s"] / w["count"] for w in writers) * 1e6
    return {"per_s": count / elapsed, "per_write": per_write}


def _total(values) -> float | None:
    values = list(values)
    return None if None in values else sum(values)


def _per(seconds: float | None, count: int) -> float | None:
    return None if seconds is None else seconds / max(count, 1) * 1e6


def _bound(runs: dict) -> dict:
    """What the CPU per write implies: the cores one writer keeps busy (CPU ÷ its latency), and the
    most 8 connections could write on this machine's CPUs if CPU were all that limited them."""
    one, eight = runs[1]["per_write"]["cpu_us"], runs[8]["per_write"]["cpu_us"]
    if one is None or eight is None:
        return {"cores_busy_1": None, "bound_8_per_s": None, "bound_8_vs_1": None}
    bound = _cpus() / eight * 1e6
    return {
        "cores_busy_1": one / runs[1]["per_write"]["latency_us"],
        "bound_8_per_s": bound,
        "bound_8_vs_1": bound / runs[1]["per_s"],
    }


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
