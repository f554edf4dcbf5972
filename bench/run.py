"""`make bench`: load a fresh PostgreSQL database, serve it with gunicorn, measure, print one table.

    python bench/run.py [--certificates 100000] [--issue 1000] [--seconds 10] [--runs 3]

1. Drops and creates the database of --database-url, migrates, bulk-loads N certificates
   (`manage.py bench_load`), collects the static files.
2. Starts gunicorn (2 sync workers) with production settings (DEBUG off, fresh secrets) plus the two
   ceiling views of bench/urls.py, logs the bench officials and the contractor in over HTTP, and drives
   it from a second process, wrk, with a fixed number of connections for a fixed time: ceiling (a),
   ceiling (b), the D-Sure lookup, the certificate page after it, the Net Desk contract list. Runs
   interleave the scenarios; each figure is the median of the runs. The gunicorn workers' VmRSS is
   sampled all along.
3. `manage.py bench_render` (certificate PDF vs a bare reportlab page) and `manage.py bench_issue`
   (issuing N requests vs rendering their PDFs alone), with the server stopped; `manage.py bench_log`
   (audited writes/s with 8 connections vs 1, with the CPU per write that bounds them on this
   machine's cores; posting → signed checkpoint latency).
4. Prints the table; writes it with the machine and the targets to <out>/results.md, and into
   docs/performance.md (between its bench markers) when the run is a full one.

Everything listens on and talks to 127.0.0.1 only, and every load is bounded in time.
"""

import argparse
import base64
import contextlib
import http.client
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
sys.path.insert(0, str(ROOT))
from common.transparency import generate_signer_key  # noqa: E402 — plain Python, no Django

LUA = ROOT / "bench" / "lua" / "requests.lua"
DOCS = ROOT / "docs" / "performance.md"
DOCS_START, DOCS_END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
WORKERS = 2
FULL_RUN = {"certificates": 100_000, "issue": 1000, "runs": 3}
PARTS = ("http", "render", "issue", "log", "seal")
SEAL_REQUESTS = 200  # per way of issuing, in bench_seal (one process, each request timed)

EXPIRED = "%E6%9C%9F%E9%99%90%E5%88%87%E3%82%8C"  # 期限切れ, percent-encoded for wrk
# 保証料計算書一覧 250 pages in (次へ from a keyset position 5,000 statements deep, half the big company's
# 10,000): the position is found in the loaded database when the scenarios are built
# (`manage.py bench_profile fees_middle --path`), so a reused database needs no new bench.json.

# The scale mode (--scale N, `make bench-scale`): every scenario at --certificates and at N, side by side.
# Beyond the scenarios of the plain run, every list whose cost must not grow with the database.
SCALE_PAGES = {
    "applications": ("Net Desk 保証申込 list", "contractor", "/netdesk/applications/"),
    "fees": ("Net Desk 保証料計算書一覧", "contractor", "/netdesk/fee-statements/"),
    "fees_middle": (
        "Net Desk 保証料計算書一覧, 250 pages in (次へ)",
        "contractor",
        "/netdesk/fee-statements/?after={fees_deep}",
    ),
    "contracts_status": (
        "Net Desk contract list, 状態 期限切れ",
        "contractor",
        "/netdesk/contracts/?status=" + EXPIRED,
    ),
    "contracts_tab": ("Net Desk contract list, 電子 tab", "contractor", "/netdesk/contracts/?tab=electronic"),
    "inbox": ("D-Sure inbox (受領済み電子証書一覧)", "official", "/dsure/inbox/"),
    "history": ("D-Sure history (閲覧履歴)", "official", "/dsure/history/"),
    "admin": ("clerk: contracts of the branch", "clerk", "/admin/issuers/guaranteecontract/"),
    "queue": ("clerk: applications of the branch", "clerk", "/admin/netdesk/application/"),
    "home": ("clerk: home (the branch's counts)", "clerk", "/admin/"),
}
SCALE_TARGETS = {"throughput": 0.8, "tail": 3.0}  # at N: ≥ 0.8 × the throughput, p99 ≤ 3 × p50
SCALE_FULL = {"scale": 1_000_000, "runs": 3}
SCALE_DOCS = "<!-- bench:scale:start -->", "<!-- bench:scale:end -->"

TARGETS = {
    "lookup_vs_page": 0.6,  # lookup throughput ≥ 0.6 × ceiling (b)
    "lookup_vs_page_issue_15": 0.3,  # ≥ 0.3 × ceiling (b): issue 15, with the audit lock gone and the lookup trimmed
    "lookup_p99_vs_p50": 3.0,  # lookup p99 ≤ 3 × p50
    "render_vs_bare": 0.5,  # certificate rendering rate ≥ 0.5 × the bare page's
    "issue_vs_render": 1.5,  # issuing N ≤ 1.5 × rendering their PDFs alone
    "worker_rss_mb": 150,  # a worker's memory under load ≤ 150 MB
    "writes_8_vs_1": 2.0,  # audited writes/s with 8 connections ≥ 2 × with 1 (no global lock)
    "sealed_vs_unsealed": 2.0,  # issuance with sealing ≤ 2 × without it
    "sealed_p95_ms": 150,  # p95 of one sealed issuance, per product ≤ 150 ms
}


def main():
    args = _arguments()
    if args.scale:
        return _scale(args)
    parts = set(args.parts.split(","))
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = _environment(args, out)
    _write_env_file(env, out / "bench.env")
    began = time.monotonic()
    load_before = _loadavg()

    _step(f"database {urlsplit(args.database_url).path.lstrip('/')}: drop, create, migrate")
    _recreate_database(args.database_url, synchronous_commit=args.synchronous_commit)
    _manage(env, "migrate", "--noinput", "-v0")
    _step(f"bench_load --certificates {args.certificates}")
    _manage(env, "bench_load", "--certificates", str(args.certificates), "--out", str(out / "bench.json"))
    data = json.loads((out / "bench.json").read_text())
    results = {
        "parameters": {
            "certificates": args.certificates,
            "big_company_contracts": data["big_company_contracts"],
            "issue": args.issue,
            "seconds": args.seconds,
            "runs": args.runs,
            "connections": args.connections,
            "workers": WORKERS,
            "synchronous_commit": args.synchronous_commit,
        },
    }

    if "http" in parts:
        _manage(env, "collectstatic", "--noinput", "-v0")
        _step(
            f"gunicorn, {WORKERS} sync workers; wrk, {args.connections} connections, {args.seconds:g} s × {args.runs} runs"
        )
        results["http"], results["rss_mb"] = _http_benchmarks(env, data, args, out)
    if "render" in parts:
        _step("PDF rendering: certificate vs bare reportlab page")
        _manage(
            env,
            "bench_render",
            "--runs",
            str(args.runs),
            "--seconds",
            str(args.render_seconds),
            "--json",
            str(out / "render.json"),
        )
        results["render"] = json.loads((out / "render.json").read_text())
    if "issue" in parts:
        _step(f"issuance: {args.issue} requests through the issue service vs their PDFs alone")
        _manage(
            env,
            "bench_issue",
            "--requests",
            str(args.issue),
            "--runs",
            str(args.runs),
            "--procs",
            str(WORKERS),
            "--json",
            str(out / "issue.json"),
        )
        results["issue"] = json.loads((out / "issue.json").read_text())
    if "log" in parts:
        _step("audited writes with 8 connections vs 1; posting → signed checkpoint")
        _manage(
            env,
            "bench_log",
            "--seconds",
            str(args.seconds),
            "--json",
            str(out / "log.json"),
        )
        results["log"] = json.loads((out / "log.json").read_text())
    if "seal" in parts:
        _step(f"sealing: {SEAL_REQUESTS} requests issued sealed, unsealed, and signing alone")
        _manage(env, "bench_seal", "--requests", str(SEAL_REQUESTS), "--json", str(out / "seal.json"))
        results["seal"] = json.loads((out / "seal.json").read_text())
    _remove_media(out)

    results["machine"] = _machine(args.database_url, load_before)
    results["elapsed_s"] = time.monotonic() - began
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    rows = _rows(results)
    print()
    print(_table(rows))
    markdown = _markdown(results, rows)
    (out / "results.md").write_text(markdown)
    full = all(getattr(args, name) >= value for name, value in FULL_RUN.items())
    full = full and args.synchronous_commit == "on" and parts == set(PARTS)
    if full and not args.no_docs:
        _write_docs(markdown)
        print(f"\nFigures written to {DOCS.relative_to(ROOT)} and {out / 'results.md'}")
    else:
        print(
            f"\nNot a full run (or --no-docs): {DOCS.relative_to(ROOT)} left as it is; see {out / 'results.md'}"
        )
    print(f"make bench took {(time.monotonic() - began) / 60:.1f} min")


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--issue", type=int, default=1000, help="requests issued per issuance run")
    parser.add_argument("--seconds", type=float, default=10, help="duration of one load run")
    parser.add_argument(
        "--warmup", type=float, default=3, help="seconds of load per scenario before the runs"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=1,
        help="seconds of a scenario's load before each measured run, not counted: the previous "
        "scenario's last requests finish meanwhile instead of landing in this one's tail",
    )
    parser.add_argument("--render-seconds", type=float, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=2 * WORKERS)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/esurety_bench"),
    )
    parser.add_argument("--out", default=os.environ.get("BENCH_OUT", "/tmp/esurety-bench"))
    parser.add_argument("--no-docs", action="store_true", help="never write docs/performance.md")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="scale mode: the HTTP scenarios at --certificates and at this many, side by side",
    )
    parser.add_argument(
        "--reuse-loaded",
        action="store_true",
        help="scale mode: keep a database an earlier run loaded with the same count (only migrate it)",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="scale mode: prepare the two databases and stop (measure later with --reuse-loaded)",
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help="which benchmarks: http,render,issue,log,seal"
    )
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="experiment: 'off' sets the bench database's synchronous_commit off (no fsync wait per commit)",
    )
    args = parser.parse_args()
    if (args.reuse_loaded or args.load_only) and not args.scale:
        parser.error("--reuse-loaded and --load-only are options of the scale mode (--scale N)")
    return args


def _step(text):
    print(f"== {text}", flush=True)


def _environment(args, out: Path) -> dict:
    """Production settings (config/settings.py with DEBUG off), fresh secrets for every run, and the
    values docker-compose.yml sets (CONN_MAX_AGE, the database task backend, JSON logs)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "KEY_", "SECRET_", "DEBUG", "ALLOWED_", "SEAL_", "S3_")
        )
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "KEY_DIGEST_SECRETS": f"v1:{secrets.token_urlsafe(32)}",
            "TRANSPARENCY_LOG_KEY": generate_signer_key("bench.invalid/log"),
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "CONN_MAX_AGE": "60",
            "TASKS_BACKEND": "database",
            "EMAIL_URL": "dummymail://",
            "MEDIA_ROOT": str(out / "media"),
            "SEAL_PKI_DIR": str(out / "pki"),
            "SEAL_KEY_PASSWORD": secrets.token_urlsafe(32),
            "STATIC_ROOT": str(out / "static"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _write_env_file(env: dict, path: Path):
    """The run's settings (throwaway secrets included) for `manage.py bench_profile` on its database:
    `set -a; . /tmp/esurety-bench/bench.env; set +a`."""
    names = ["DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
             "KEY_ENCRYPTION_KEY", "KEY_DIGEST_SECRETS", "TRANSPARENCY_LOG_KEY", "SEAL_KEY_PASSWORD", "SEAL_PKI_DIR",
             "SECURE_SSL_REDIRECT", "LOG_LEVEL", "LOG_FORMAT",
             "CONN_MAX_AGE", "TASKS_BACKEND", "EMAIL_URL", "MEDIA_ROOT", "STATIC_ROOT"]  # fmt: skip
    path.touch(mode=0o600)
    path.write_text("".join(f"{name}='{env[name]}'\n" for name in names))


def _manage(env, *args):
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def _recreate_database(url: str, *, synchronous_commit: str):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"unexpected database name {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
        if synchronous_commit != "on":
            connection.execute(f"ALTER DATABASE {name} SET synchronous_commit = {synchronous_commit}")


# -- HTTP -------------------------------------------------------------------------------------------


class Client:
    """Just enough HTTP for logging in: the cookies are kept by hand, because with DEBUG off they are
    `Secure` and a cookie jar would not send them over plain http to 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
        connection.close()
        return response

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def login(self, path, username, password):
        self.request("GET", path)
        response = self.request(
            "POST",
            path,
            {"username": username, "password": password, "csrfmiddlewaretoken": self.cookies["csrftoken"]},
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login of {username} at {path} failed: HTTP {response.status}")
        return self


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _http_benchmarks(env, data, args, out: Path):
    with _serve(env, out) as (port, server):
        scenarios = _scenarios(port, data, out)
        sampler = RssSampler(server.pid)
        sampler.start()
        try:
            results = _drive(port, scenarios, args, sampler)
        finally:
            sampler.stop()
        return results, sampler.summary()


@contextlib.contextmanager
def _serve(env, out: Path):
    """gunicorn on a free port of 127.0.0.1 for the block: (port, process)."""
    port = _free_port()
    pidfile = out / "gunicorn.pid"
    log = (out / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            PYTHON, "-m", "gunicorn", "config.wsgi:application",
            "--workers", str(WORKERS), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--pid", str(pidfile), "--log-level", "warning",
        ],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(port, server)
        yield port, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for(port, server):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its log in the bench directory")
        try:
            if Client(port).request("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


# The HTTP scenarios by key, in the order they run and are reported.
_NAMES = {
    "bare": "ceiling (a): bare view",
    "page": "ceiling (b): base template + 1 pk query",
    "lookup": "D-Sure lookup (POST number + key)",
    "certificate": "D-Sure certificate page",
    "list": "Net Desk contract list",
}


def _scenarios(port, data, out: Path, *, pages: bool = False, env=None) -> list[dict]:
    """Log in, check that every request of every scenario answers as expected, write the wrk files.
    With `pages`, also every list the scale mode measures (SCALE_PAGES), as the account that sees it;
    a path needing the database (fees_middle's keyset position) asks bench_profile with `env`."""
    password = data["password"]
    officials = [None] * len(data["officials"])

    def official_login(index):
        officials[index] = Client(port).login("/dsure/login/", data["officials"][index], password)

    threads = [threading.Thread(target=official_login, args=(i,)) for i in range(len(officials))]
    for thread in threads:
        thread.start()
    contractor = Client(port).login("/netdesk/login/", data["contractor"], password)
    for thread in threads:
        thread.join()
    if any(official is None for official in officials):
        raise SystemExit("an official's login failed")

    pairs = data["pairs"]
    lookups, certificate_pages = [], []
    for index, pair in enumerate(pairs):
        official = officials[index % len(officials)]
        form = {
            "csrfmiddlewaretoken": official.cookies["csrftoken"],
            "number": pair["number"],
            "key": pair["key"],
        }
        # Each pair is looked up once here: it checks the pair, and grants the certificate page to the session.
        response = official.request("POST", "/dsure/", form)
        if response.status != 302 or pair["public_id"] not in (response.getheader("Location") or ""):
            raise SystemExit(f"the lookup of {pair['number']} answered HTTP {response.status}, not 302")
        lookups.append(("POST", "/dsure/", official.cookie_header(), urlencode(form)))
        certificate_pages.append(
            ("GET", f"/dsure/certificates/{pair['public_id']}/", official.cookie_header(), "")
        )
    scenarios = [
        {"key": "bare", "expect": 200, "requests": [("GET", "/bench/bare/", "", "")]},
        {"key": "page", "expect": 200,
         "requests": [("GET", f"/bench/page/{p['certificate_id']}/", "", "") for p in pairs]},
        {"key": "lookup", "expect": 302, "requests": lookups},
        {"key": "certificate", "expect": 200, "requests": certificate_pages},
        {"key": "list", "expect": 200, "detail": f" ({data['big_company_contracts']:,} contracts)",
         "requests": [("GET", "/netdesk/contracts/", contractor.cookie_header(), "")]},
    ]  # fmt: skip
    if pages:
        clients = {"contractor": contractor, "official": officials[0]}
        clients["clerk"] = Client(port).login("/admin/login/", data["clerk"], password)
        scenarios += [
            {
                "name": name,
                "key": key,
                "expect": 200,
                "requests": [("GET", _page_path(key, path, env, out), clients[who].cookie_header(), "")],
            }
            for key, (name, who, path) in SCALE_PAGES.items()
        ]
    for scenario in scenarios:
        if "name" not in scenario:
            scenario["name"] = _NAMES[scenario["key"]] + scenario.pop("detail", "")
    for scenario in scenarios:
        method, path, cookie, body = scenario["requests"][0]
        client = Client(port)
        client.cookies = dict(part.split("=", 1) for part in cookie.split("; ")) if cookie else {}
        status = client.request(method, path, dict(_form(body)) if method == "POST" else None).status
        if status != scenario["expect"]:
            raise SystemExit(f"{scenario['name']}: {path} answered HTTP {status}, not {scenario['expect']}")
        scenario["file"] = out / f"wrk-{scenario['key']}.txt"
        scenario["file"].write_text("".join("\t".join(request) + "\n" for request in scenario["requests"]))
        scenario["file"].chmod(0o600)
    return scenarios


def _page_path(key: str, path: str, env, out: Path) -> str:
    if "{" not in path:
        return path
    command = [
        PYTHON,
        str(ROOT / "manage.py"),
        "bench_profile",
        key,
        "--data",
        str(out / "bench.json"),
        "--path",
    ]
    return subprocess.run(
        command, env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def _form(body: str):
    return parse_qsl(body)


def _drive(port, scenarios, args, sampler) -> dict:
    for scenario in scenarios:
        _wrk(port, scenario, args.warmup, args.connections)
    results = {s["key"]: {"name": s["name"], "runs": []} for s in scenarios}
    for run in range(args.runs):
        for scenario in scenarios:
            _wrk(port, scenario, args.settle, args.connections)
            sampler.begin(scenario["key"])
            result = _wrk(port, scenario, args.seconds, args.connections)
            sampler.end()
            results[scenario["key"]]["runs"].append(result)
            print(
                f"  run {run + 1} {scenario['name']:<44} {result['rps']:8.1f} req/s  "
                f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                f"(wrk CPU {result['loadgen_cpu']:.0%})",
                flush=True,
            )
    return results


def _wrk(port, scenario, seconds, connections) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(
        [
            "wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{seconds:g}s",
            "--timeout", "10s", "--script", str(LUA), f"http://127.0.0.1:{port}",
            "--", str(scenario["file"]), str(scenario["expect"]),
        ],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("BENCH-JSON "))
    raw = json.loads(line.removeprefix("BENCH-JSON "))
    if raw["unexpected"] or raw["errors"]:
        raise SystemExit(
            f"{scenario['name']}: {raw['unexpected']} responses with HTTP {raw['unexpected_status']} "
            f"instead of {scenario['expect']}, {raw['errors']} socket errors; wrk said:\n{completed.stdout}"
        )
    duration = raw["duration_us"] / 1e6
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / duration,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "loadgen_cpu": cpu / duration,
    }


class RssSampler(threading.Thread):
    """VmRSS of every gunicorn worker (children of the master), four times a second, kept as the
    maximum per scenario."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.stopping = threading.Event()
        self.current: str | None = None
        self.peaks: dict[str, float] = {}
        self.lock = threading.Lock()

    def begin(self, key):
        with self.lock:
            self.current = key

    def end(self):
        with self.lock:
            self.current = None

    def stop(self):
        self.stopping.set()
        self.join()

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.master:
                    pids.append(int(entry.name))
        return pids

    def run(self):
        workers, refreshed = [], 0.0
        while not self.stopping.wait(0.25):
            if time.monotonic() - refreshed > 2:
                workers, refreshed = self.workers(), time.monotonic()
            for pid in workers:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
                if match:
                    megabytes = int(match[1]) / 1024
                    with self.lock:
                        if self.current:
                            self.peaks[self.current] = max(self.peaks.get(self.current, 0.0), megabytes)

    def summary(self) -> dict:
        return dict(self.peaks)


# -- the scale mode ---------------------------------------------------------------------------------


def _scale(args):
    """Two databases (--certificates and --scale certificates, the same big company), two servers;
    every scenario run on each in turn, so both sizes see the same machine; then per scenario the
    statements of one request and its slowest SELECT's plan (bench_profile --explain) on each."""
    out = Path(args.out).resolve() / "scale"
    began, load_before = time.monotonic(), _loadavg()
    large_url = urlsplit(args.database_url)
    large_url = large_url._replace(path=large_url.path + "_scale").geturl()
    sites = {}
    for size, certificates, url in (
        ("small", args.certificates, args.database_url),
        ("large", args.scale, large_url),
    ):
        site_out = out / size
        site_out.mkdir(parents=True, exist_ok=True)
        sites[size] = _scale_site(args, certificates, url, site_out)
    if args.load_only:
        print(
            f"\nLoaded (--load-only) in {(time.monotonic() - began) / 60:.1f} min; measure with "
            f"make bench-scale BENCH_REUSE=1 (bench/run.py --scale {args.scale} --reuse-loaded)"
        )
        return

    _step(
        f"gunicorn × 2 ({WORKERS} sync workers each); wrk, {args.connections} connections, {args.seconds:g} s × {args.runs} runs × 2 sizes"
    )
    with contextlib.ExitStack() as stack:
        for site in sites.values():
            port, _ = stack.enter_context(_serve(site["env"], site["out"]))
            site["port"] = port
            site["scenarios"] = _scenarios(port, site["data"], site["out"], pages=True, env=site["env"])
        http = _drive_scale(sites, args)

    _step("statements per request and the slowest SELECT's plan (bench_profile --explain)")
    for site in sites.values():
        site["explain"] = {}
        for scenario in site["scenarios"]:
            target = site["out"] / f"explain-{scenario['key']}.json"
            _manage(site["env"], "bench_profile", scenario["key"],
                    "--data", str(site["out"] / "bench.json"), "--explain", str(target))  # fmt: skip
            site["explain"][scenario["key"]] = json.loads(target.read_text())

    results = {
        "parameters": {"small": args.certificates, "large": args.scale, "seconds": args.seconds,
                       "runs": args.runs, "connections": args.connections, "workers": WORKERS,
                       "big_company_contracts": sites["large"]["data"]["big_company_contracts"]},
        "load_s": {size: site["load_s"] for size, site in sites.items()},
        "reused": {size: site["reused"] for size, site in sites.items()},
        "migrate_s": {size: site["migrate_s"] for size, site in sites.items()},
        "vacuum_s": {size: site["vacuum_s"] for size, site in sites.items()},
        "http": http,
        "explain": {size: site["explain"] for size, site in sites.items()},
        "machine": _machine(args.database_url, load_before),
        "elapsed_s": time.monotonic() - began,
    }  # fmt: skip
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    markdown = _scale_markdown(results)
    (out / "results.md").write_text(markdown)
    print()
    print(markdown)
    full = all(getattr(args, name) >= value for name, value in SCALE_FULL.items())
    if full and not args.no_docs:
        _write_docs(markdown, markers=SCALE_DOCS)
        print(f"\nFigures written to {DOCS.relative_to(ROOT)} and {out / 'results.md'}")
    else:
        print(f"\nNot a full scale run (or --no-docs): see {out / 'results.md'}")
    print(f"make bench-scale took {(time.monotonic() - began) / 60:.1f} min")


def _scale_site(args, certificates, url, site_out: Path) -> dict:
    """One size's database, ready to serve: loaded now, or — with --reuse-loaded, when this run's
    out directory says an earlier run loaded this very database (same name and OID, so not dropped
    and recreated since) with this many certificates and the database still holds them — reused with
    that load's bench.env (its key digests were computed with its KEY_DIGEST_SECRETS) and bench.json,
    only migrated (timed: what a deployment of this code would run at this size)."""
    env = _environment(argparse.Namespace(**{**vars(args), "database_url": url}), site_out)
    name = urlsplit(url).path.lstrip("/")
    loaded = (
        _loaded_earlier(url, certificates, site_out, args.synchronous_commit) if args.reuse_loaded else None
    )
    site = {"out": site_out, "certificates": certificates, "reused": bool(loaded), "vacuum_s": None}
    if loaded:
        env.update(_read_env_file(site_out / "bench.env"))
        _step(f"{certificates:,} certificates: database {name} loaded earlier ({loaded['at']}), migrate")
        applied = _applied_migrations(url)
        started = time.monotonic()
        _manage(env, "migrate", "--noinput", "-v1")
        site["migrate_s"] = time.monotonic() - started
        site["load_s"] = loaded["load_s"]
        if _applied_migrations(url) != applied:
            # As after bench_load: statistics and the visibility map the backfills cleared, then a
            # checkpoint, so the migrations' writes are on disk before anything is timed.
            started = time.monotonic()
            _vacuum_analyze(url)
            site["vacuum_s"] = time.monotonic() - started
        _step(
            f"  migrate {site['migrate_s']:.1f} s"
            + (
                f", vacuum analyze + checkpoint {site['vacuum_s']:.1f} s"
                if site["vacuum_s"] is not None
                else ""
            )
        )
    else:
        (site_out / "loaded.json").unlink(missing_ok=True)  # an interrupted load is never reused
        _write_env_file(env, site_out / "bench.env")
        _step(f"{certificates:,} certificates: database {name}, migrate, bench_load")
        _recreate_database(url, synchronous_commit=args.synchronous_commit)
        started = time.monotonic()
        _manage(env, "migrate", "--noinput", "-v0")
        site["migrate_s"] = time.monotonic() - started
        started = time.monotonic()
        _manage(env, "bench_load", "--certificates", str(certificates), "--out", str(site_out / "bench.json"))
        site["load_s"] = time.monotonic() - started
        (site_out / "loaded.json").write_text(
            json.dumps(
                {
                    "database": name,
                    "oid": _database_oid(url),
                    "certificates": certificates,
                    "synchronous_commit": args.synchronous_commit,
                    "load_s": site["load_s"],
                    "at": time.strftime("%Y-%m-%d %H:%M %Z"),
                }
            )  # fmt: skip
        )
    _manage(env, "collectstatic", "--noinput", "-v0")
    site["env"] = env
    site["data"] = json.loads((site_out / "bench.json").read_text())
    return site


def _loaded_earlier(url, certificates, site_out: Path, synchronous_commit) -> dict | None:
    """The marker of an earlier load of this database, when it still stands; else None (say why)."""
    files = [site_out / name for name in ("loaded.json", "bench.json", "bench.env")]
    if not all(path.exists() for path in files):
        print(f"  --reuse-loaded: no earlier load in {site_out}", flush=True)
        return None
    loaded = json.loads(files[0].read_text())
    data = json.loads(files[1].read_text())
    name = urlsplit(url).path.lstrip("/")
    expected = {"database": name, "oid": _database_oid(url), "certificates": certificates,
                "synchronous_commit": synchronous_commit}  # fmt: skip
    differs = [key for key, value in expected.items() if loaded.get(key) != value]
    if data.get("certificates") != certificates:
        differs.append("bench.json")
    if not differs:
        held = _count(url, "SELECT count(*) FROM dsure_certificate")
        if held != certificates:
            differs.append(f"certificates held: {held:,}")
    if differs:
        print(f"  --reuse-loaded: {name} is not the earlier load ({', '.join(differs)}): loading", flush=True)
        return None
    return loaded


def _read_env_file(path: Path) -> dict:
    """bench.env back as a dict (_write_env_file's name='value' lines)."""
    env = {}
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        env[name] = value.removeprefix("'").removesuffix("'")
    return env


def _connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, **kwargs)


def _count(url: str, sql: str) -> int | None:
    import psycopg

    try:
        with _connect(url) as connection:
            return connection.execute(sql).fetchone()[0]
    except psycopg.Error:
        return None  # no such database or table yet


def _database_oid(url: str) -> int | None:
    name = urlsplit(url).path.lstrip("/")
    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with _connect(admin) as connection:
        row = connection.execute("SELECT oid FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row[0] if row else None


def _applied_migrations(url: str) -> int | None:
    return _count(url, "SELECT count(*) FROM django_migrations")


def _vacuum_analyze(url: str):
    with _connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")


def _scale_loads(results) -> str:
    """How each database came to be: loaded by this run, or loaded earlier and only migrated."""
    parts = []
    for size in ("small", "large"):
        certificates = f"{results['parameters'][size]:,}"
        load_min = results["load_s"][size] / 60
        if results.get("reused", {}).get(size):
            vacuum = results["vacuum_s"][size]
            parts.append(
                f"the {certificates} loaded earlier ({load_min:.1f} min then), migrated in "
                f"{results['migrate_s'][size]:.1f} s"
                + (f" (then VACUUM ANALYZE + CHECKPOINT {vacuum:.0f} s)" if vacuum is not None else "")
            )
        else:
            parts.append(f"the {certificates} loaded in {load_min:.1f} min")
    return "; ".join(parts)


def _drive_scale(sites, args) -> dict:
    keys = [scenario["key"] for scenario in sites["small"]["scenarios"]]
    by_key = {size: {s["key"]: s for s in site["scenarios"]} for size, site in sites.items()}
    for key in keys:
        for size, site in sites.items():
            _wrk(site["port"], by_key[size][key], args.warmup, args.connections)
    results = {key: {"name": by_key["small"][key]["name"], "small": [], "large": []} for key in keys}
    for run in range(args.runs):
        for key in keys:
            for size, site in sites.items():
                _wrk(site["port"], by_key[size][key], args.settle, args.connections)
                result = _wrk(site["port"], by_key[size][key], args.seconds, args.connections)
                results[key][size].append(result)
                print(
                    f"  run {run + 1} {size:<5} {results[key]['name']:<44} {result['rps']:8.1f} req/s  "
                    f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms",
                    flush=True,
                )
    return results


def _scale_figures(results) -> list[dict]:
    rows = []
    for key, entry in results["http"].items():
        small, large = entry["small"], entry["large"]
        med = {size: {f: _median([r[f] for r in entry[size]]) for f in ("rps", "p50_ms", "p99_ms")}
               for size in ("small", "large")}  # fmt: skip
        ratio = _median([_ratio(b["rps"], a["rps"]) for a, b in zip(small, large, strict=True)])
        tail = _median([_ratio(r["p99_ms"], r["p50_ms"]) for r in large])
        statements = {
            size: results["explain"][size].get(key, {}).get("statements") for size in ("small", "large")
        }
        met = ratio >= SCALE_TARGETS["throughput"] and tail <= SCALE_TARGETS["tail"]
        rows.append({"key": key, "name": entry["name"], **med, "ratio": ratio, "tail": tail,
                     "statements": statements, "met": met})  # fmt: skip
    return rows


def _ratio(a, b) -> float:
    """a ÷ b; NaN when a run completed no request (never met)."""
    return a / b if b else float("nan")


def _scale_markdown(results) -> str:
    p, m = results["parameters"], results["machine"]
    small, large = f"{p['small']:,}", f"{p['large']:,}"
    lines = [
        f"Measured by `make bench-scale` on {time.strftime('%Y-%m-%d')}: {small} and {large} certificates in "
        f"two databases ({p['big_company_contracts']:,} on the contractor's company in both), gunicorn "
        f"{p['workers']} sync workers per database, wrk with {p['connections']} connections for "
        f"{p['seconds']:g} s per run, {p['runs']} runs alternating the two sizes (figures are medians); "
        f"{_scale_loads(results)}; the whole run {results['elapsed_s'] / 60:.1f} min.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; PostgreSQL {m['postgresql']} (same "
        f"host); load average {m['loadavg_before']} before the run, {m['loadavg_after']} after.",
        "",
        f"| scenario | {small}: req/s · p50 · p99 ms | {large}: req/s · p50 · p99 ms | throughput {large} ÷ {small} "
        f"(≥ {SCALE_TARGETS['throughput']}) | p99 ÷ p50 at {large} (≤ {SCALE_TARGETS['tail']:g}) | statements | met |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = _scale_figures(results)
    for row in rows:
        a, b, n = row["small"], row["large"], row["statements"]
        lines.append(
            f"| {row['name']} | {a['rps']:.0f} · {a['p50_ms']:.1f} · {a['p99_ms']:.1f} | "
            f"{b['rps']:.0f} · {b['p50_ms']:.1f} · {b['p99_ms']:.1f} | {row['ratio']:.2f} | {row['tail']:.2f} | "
            f"{n['small']} / {n['large']} | {'yes' if row['met'] else 'NO'} |"
        )
    short = [row for row in rows if not row["met"]]
    for row in short:
        explain = {
            size: results["explain"][size].get(row["key"], {}).get("slowest") for size in ("small", "large")
        }
        if not explain["large"]:
            continue
        before = f"{explain['small']['ms']:.1f} ms at {small}, " if explain["small"] else ""
        lines += [
            "",
            f"{row['name']}: slowest SELECT of one request ({before}{explain['large']['ms']:.1f} ms at {large}):",
            "",
            "```",
            explain["large"]["sql"][:600],
            "",
            explain["large"]["plan"],
            "```",
        ]
    lines += ["", "Every run (req/s, p50, p99 ms):", ""]
    for entry in results["http"].values():
        runs = {size: "; ".join(f"{r['rps']:.0f} · {r['p50_ms']:.1f} · {r['p99_ms']:.1f}" for r in entry[size])
                for size in ("small", "large")}  # fmt: skip
        lines.append(f"- {entry['name']}: {small}: {runs['small']} — {large}: {runs['large']}")
    return "\n".join(lines) + "\n"


# -- the report -------------------------------------------------------------------------------------


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _machine(database_url, load_before) -> dict:
    import django
    import gunicorn
    import psycopg
    import reportlab

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    with psycopg.connect(database_url) as connection:
        postgres = connection.execute("SHOW server_version").fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": model[1].strip() if model else platform.processor(),
        "ram_gib": round(int(memory[1]) / 1024 / 1024, 1) if memory else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres.split(" ")[0],
        "gunicorn": gunicorn.__version__,
        "reportlab": reportlab.Version,
        "wrk": " ".join(wrk.split()[:2]),
        "kernel": platform.release(),
        "loadavg_before": load_before,
        "loadavg_after": _loadavg(),
    }


def _median(values):
    return statistics.median(values)


def _target(key, value, text) -> tuple[str, str]:
    limit = TARGETS[key]
    at_least = ("lookup_vs_page", "lookup_vs_page_issue_15", "render_vs_bare", "writes_8_vs_1")
    met = value >= limit if key in at_least else value <= limit
    return text, "yes" if met else "NO"


def _log_cpu_rows(log: dict) -> list[tuple[str, str, str, str]]:
    """Why audited writes scale as they do: the CPU one write costs (the writer, its PostgreSQL backend,
    the sequencer's share), the cores one writer keeps busy, and the bound CPU alone sets for 8."""
    per_write = log.get("per_write")
    if not per_write:
        return []

    def us(value):
        return "n/a" if value is None else f"{value:,.0f} µs"

    rows = []
    for procs in ("1", "8"):
        w = per_write[procs]
        rows.append(
            (
                f"CPU per audited write, {procs} connection{'s' if procs != '1' else ''}",
                f"writer {us(w['writer_python_us'])} + its backend {us(w['writer_backend_us'])} + sequencer "
                f"{us(w['sequencer_python_us'])} + {us(w['sequencer_backend_us'])} = {us(w['cpu_us'])}; "
                f"latency {us(w['latency_us'])}",
                "",
                "",
            )
        )
    if log.get("bound_8_per_s") is not None:
        rows += [
            ("cores 1 connection keeps busy (CPU ÷ latency)", f"{log['cores_busy_1']:.2f}", "", ""),
            (
                f"most 8 connections can write on {log['cpus']} CPUs (CPUs ÷ CPU per write)",
                f"{log['bound_8_per_s']:,.0f} /s = {log['bound_8_vs_1']:.2f} × 1 connection",
                "",
                "",
            ),
        ]
    return rows


def _rows(results) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, met): medians of the runs; a ratio is the median of the per-run ratios
    (both sides measured in the same run, next to each other)."""
    rows = []
    http = results.get("http")
    if http:
        for key in _NAMES:
            runs = http[key]["runs"]
            rps, p50, p99 = (_median([r[f] for r in runs]) for f in ("rps", "p50_ms", "p99_ms"))
            rows.append((_NAMES[key], f"{rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms", "", ""))
        lookup = http["lookup"]["runs"]
        vs_bare = _median([r["rps"] / b["rps"] for r, b in zip(lookup, http["bare"]["runs"], strict=True)])
        vs_page = _median([r["rps"] / b["rps"] for r, b in zip(lookup, http["page"]["runs"], strict=True)])
        tail = _median([r["p99_ms"] / r["p50_ms"] for r in lookup])
        rows += [
            ("lookup ÷ ceiling (a)", f"{vs_bare:.2f}", "", ""),
            ("lookup ÷ ceiling (b)", f"{vs_page:.2f}", *_target("lookup_vs_page", vs_page, "≥ 0.6")),
            (
                "lookup ÷ ceiling (b), issue 15",
                f"{vs_page:.2f}",
                *_target("lookup_vs_page_issue_15", vs_page, "≥ 0.3"),
            ),
            ("lookup p99 ÷ p50", f"{tail:.2f}", *_target("lookup_p99_vs_p50", tail, "≤ 3")),
        ]
    render = results.get("render")
    if render:
        ratio = _median([c / b for c, b in zip(render["certificate"], render["bare"], strict=True)])
        rows += [
            ("certificate PDF rendering", f"{_median(render['certificate']):.1f} /s", "", ""),
            ("bare reportlab page, same font and text", f"{_median(render['bare']):.1f} /s", "", ""),
            ("rendering ÷ bare page", f"{ratio:.2f}", *_target("render_vs_bare", ratio, "≥ 0.5")),
        ]
    issue = results.get("issue")
    if issue:
        issued, rendered = issue["issue_seconds"], issue["render_seconds"]
        ratio = _median([i / r for i, r in zip(issued, rendered, strict=True)])
        rows += [
            (f"issuing {issue['requests']:,} requests (issue service)", f"{_median(issued):.1f} s", "", ""),
            ("rendering their PDFs alone", f"{_median(rendered):.1f} s", "", ""),
            ("issuance ÷ rendering alone", f"{ratio:.2f}", *_target("issue_vs_render", ratio, "≤ 1.5")),
        ]
    log = results.get("log")
    if log:
        writes = log["audited_writes_per_s"]
        ratio = log["writes_8_vs_1"]
        rows += [
            ("audited writes, 1 connection", f"{writes['1']:.0f} /s", "", ""),
            ("audited writes, 8 connections", f"{writes['8']:.0f} /s", "", ""),
            ("audited writes 8 ÷ 1", f"{ratio:.2f}", *_target("writes_8_vs_1", ratio, "≥ 2")),
            *_log_cpu_rows(log),
            (
                f"posting → signed checkpoint ({log['postings']} postings)",
                f"p50 {log['latency_p50_ms']:.1f} ms, p99 {log['latency_p99_ms']:.1f} ms",
                "",
                "",
            ),
        ]
    seal = results.get("seal")
    if seal:
        for product, values in seal["sealed"]["ms"].items():
            p95 = _p95(values)
            rows.append(
                (
                    f"sealed issuance, {product}: p50 / p95",
                    f"{_median(values):.0f} / {p95:.0f} ms",
                    *_target("sealed_p95_ms", p95, "p95 ≤ 150 ms"),
                )
            )
        unsealed = [v for values in seal["unsealed"]["ms"].values() for v in values]
        rows.append(
            ("unsealed issuance: p50 / p95", f"{_median(unsealed):.0f} / {_p95(unsealed):.0f} ms", "", "")
        )
        signing = seal["signing"]["ms"]
        rows.append(
            ("signing alone, 3 PDFs: p50 / p95", f"{_median(signing):.0f} / {_p95(signing):.0f} ms", "", "")
        )
        ratio = _sum(seal["sealed"]["ms"]) / _sum(seal["unsealed"]["ms"])
        rows.append(
            ("sealed ÷ unsealed issuance", f"{ratio:.2f}", *_target("sealed_vs_unsealed", ratio, "≤ 2"))
        )
    if results.get("rss_mb"):
        peak = max(results["rss_mb"].values())
        rows.append(
            ("worker RSS under load (max)", f"{peak:.0f} MB", *_target("worker_rss_mb", peak, "≤ 150 MB"))
        )
    return rows


def _sum(by_product: dict) -> float:
    return sum(sum(values) for values in by_product.values())


def _p95(values) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _table(rows) -> str:
    rows = [("figure (median of the runs)", "value", "target", "met"), *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown(results, rows) -> str:
    p, m = results["parameters"], results["machine"]
    lines = [
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {p['certificates']:,} certificates loaded "
        f"({p['big_company_contracts']:,} on one company), gunicorn {p['workers']} sync workers, wrk with "
        f"{p['connections']} connections for {p['seconds']:g} s per run, {p['runs']} runs (figures are medians), "
        f"issuance of {p['issue']:,} requests per run"
        + ("" if p["synchronous_commit"] == "on" else f", synchronous_commit {p['synchronous_commit']}")
        + f"; the whole run took {results['elapsed_s'] / 60:.1f} min.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, Django "
        f"{m['django']}, PostgreSQL {m['postgresql']} (same host), gunicorn {m['gunicorn']}, reportlab "
        f"{m['reportlab']}, {m['wrk']}; load average {m['loadavg_before']} before the run, "
        f"{m['loadavg_after']} after.",
        "",
        "| figure | value | target | met |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
        "Every run:",
        "",
    ]
    for entry in results.get("http", {}).values():
        runs = "; ".join(
            f"{r['rps']:.0f} req/s · p50 {r['p50_ms']:.1f} · p99 {r['p99_ms']:.1f} ms · wrk CPU {r['loadgen_cpu']:.0%}"
            for r in entry["runs"]
        )
        lines.append(f"- {entry['name']}: {runs}")
    if "render" in results:
        render = results["render"]
        lines.append(
            f"- certificate PDF renders/s: {', '.join(f'{v:.1f}' for v in render['certificate'])}; bare page: "
            f"{', '.join(f'{v:.1f}' for v in render['bare'])} ({render['characters']} characters on each)"
        )
    if "issue" in results:
        issue = results["issue"]
        lines.append(
            f"- issuing {issue['requests']:,} requests in {issue['procs']} processes, s: "
            f"{', '.join(f'{v:.1f}' for v in issue['issue_seconds'])}; rendering their PDFs alone, s: "
            f"{', '.join(f'{v:.1f}' for v in issue['render_seconds'])}"
        )
    if "seal" in results:
        seal = results["seal"]
        lines.append(
            f"- bench_seal, {seal['requests']} requests each way in one process, CPU ms per issuance (mean): "
            + ", ".join(
                f"{way} {_sum(seal[way]['cpu_ms']) / seal['requests']:.0f}" for way in ("sealed", "unsealed")
            )
            + f"; signing alone {statistics.fmean(seal['signing']['cpu_ms']):.0f}"
        )
    if results.get("rss_mb"):
        lines.append(
            "- worker VmRSS peak per scenario, MB: "
            + ", ".join(f"{_NAMES.get(k, k)} {v:.0f}" for k, v in results["rss_mb"].items())
        )
    return "\n".join(lines) + "\n"


def _write_docs(markdown: str, *, markers=(DOCS_START, DOCS_END)):
    start, end = markers
    text = DOCS.read_text() if DOCS.exists() else ""
    if start not in text or end not in text:
        print(f"{DOCS.relative_to(ROOT)} has no {start} … {end} block: not written")
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{start}\n{markdown}{end}{tail}")


def _remove_media(out: Path):
    """The issued PDFs of the issuance runs (thousands of files) and the run's demo PKI (its keys are
    encrypted with this run's throwaway password): not kept."""
    shutil.rmtree(out / "media", ignore_errors=True)
    shutil.rmtree(out / "pki", ignore_errors=True)


if __name__ == "__main__":
    main()
