"""`manage.py bench_profile SCENARIO`: where a request of a benchmark scenario spends its time.

Replays the scenario's request in-process (Django's test client, the full middleware stack, the bench
database loaded by bench_load) under pyinstrument and prints the call tree, or with --sql the queries
of one request and their time, or with --explain FILE (JSON) the number of statements of one request
and the plan (EXPLAIN (ANALYZE, BUFFERS)) of its slowest SELECT, as `make bench-scale` reports them.
`--path` prints the path a page scenario asks for (fees_middle: `?after=` a position 5,000 statements
deep, found in the database; bench/run.py builds its scenario from it), `--after` replaces it by another.
Scenarios: those of bench/run.py (lookup, certificate, list, applications, fees, fees_middle,
contracts_status, inbox, history, admin, queue, home, page, bare) and issue (one issuance through the issue service).

    set -a; . /tmp/esurety-bench/bench.env; set +a     # the settings of the last `make bench`
    .venv/bin/python manage.py bench_profile lookup --data /tmp/esurety-bench/bench.json

The settings must be those the database was loaded with (its KEY_DIGEST_SECRETS above all), or the
lookups fail. Profiling writes lookups, audit entries and (for `issue`) a contract into that database.
"""

import json
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

# The GET pages of bench/run.py's scenarios beyond the lookup, by the account that asks for them.
PAGES = {
    "list": ("contractor", "/netdesk/contracts/"),
    "applications": ("contractor", "/netdesk/applications/"),
    "fees": ("contractor", "/netdesk/fee-statements/"),
    "fees_middle": ("contractor", "/netdesk/fee-statements/?after={fees_deep}"),
    "contracts_status": ("contractor", "/netdesk/contracts/?status=%E6%9C%9F%E9%99%90%E5%88%87%E3%82%8C"),
    "contracts_tab": ("contractor", "/netdesk/contracts/?tab=electronic"),
    "inbox": ("official", "/dsure/inbox/"),
    "history": ("official", "/dsure/history/"),
    "admin": ("clerk", "/admin/issuers/guaranteecontract/"),
    "queue": ("clerk", "/admin/netdesk/application/"),
    "home": ("clerk", "/admin/"),
}
SCENARIOS = ("lookup", "certificate", *PAGES, "page", "bare", "issue")
FEES_DEEP = 5_000  # fees_middle: 次へ 250 times from the first page of 20, half the big company's statements


def page_path(scenario: str, info: dict) -> str:
    """The path a page scenario requests; fees_middle's keyset position is found in the database."""
    path = PAGES[scenario][1]
    if "{fees_deep}" in path:
        path = path.format(fees_deep=fees_deep_position(info))
    return path


def fees_deep_position(info: dict, depth: int = FEES_DEEP) -> str:
    """The position (`?after=`) of the contractor's statement `depth` rows into 保証料計算書一覧, or the
    last one if there are fewer: the page after it is the one 次へ reaches after depth / 20 pages."""
    from netdesk import access, selectors

    company = access.company_of(get_user_model().objects.get(username=info["contractor"]))
    rows = selectors.fee_statements_for_company(company=company).values_list("contract_id", "pk")
    found = list(rows[depth - 1 : depth]) or list(rows.reverse()[:1])
    if not found:
        raise CommandError("the contractor has no fee statements")
    return "{}.{}".format(*found[0])


class Command(BaseCommand):
    help = "Profile one benchmark scenario in-process with pyinstrument (or list its SQL with --sql)."

    def add_arguments(self, parser):
        parser.add_argument("scenario", choices=SCENARIOS)
        parser.add_argument("--data", default="/tmp/esurety-bench/bench.json")
        parser.add_argument("--requests", type=int, default=50)
        parser.add_argument("--sql", action="store_true", help="print the queries of one request instead")
        parser.add_argument("--explain", help="JSON file: statements of one request, the slowest one's plan")
        parser.add_argument(
            "--page", type=int, help="for a list: ask for this page (?page=N), e.g. a deep one"
        )
        parser.add_argument(
            "--after",
            help="for 保証料計算書一覧: the page after this keyset position (?after=<contract>.<statement>)",
        )
        parser.add_argument(
            "--path", action="store_true", help="print the path a page scenario requests, and stop"
        )

    def handle(self, *args, scenario, data, requests, sql, explain, page, after, path, **options):
        info = json.loads(Path(data).read_text())
        if path:
            if scenario not in PAGES:
                raise CommandError(f"{scenario} is not a page scenario")
            self.stdout.write(page_path(scenario, info))
            return
        paths = {key: page_path(key, info) for key in PAGES if key == scenario}
        User = get_user_model()
        client = Client(HTTP_HOST="127.0.0.1")
        pairs = info["pairs"]
        if scenario in ("lookup", "certificate", "inbox", "history"):
            client.force_login(User.objects.get(username=info["officials"][0]))
            for pair in pairs[:20]:  # grants for the certificate pages
                response = client.post("/dsure/", {"number": pair["number"], "key": pair["key"]})
                if response.status_code != 302:
                    raise CommandError(
                        f"lookup of {pair['number']}: HTTP {response.status_code} (other secrets?)"
                    )
        elif scenario in PAGES:
            client.force_login(User.objects.get(username=info[PAGES[scenario][0]]))

        def one(n):
            pair = pairs[n % 20]
            if scenario == "lookup":
                return client.post("/dsure/", {"number": pair["number"], "key": pair["key"]})
            if scenario == "certificate":
                return client.get(f"/dsure/certificates/{pair['public_id']}/")
            if scenario in PAGES:
                target = paths[scenario]
                if after:
                    target = f"{target.split('?')[0]}?after={after}"
                elif page:
                    target = f"{target}{'&' if '?' in target else '?'}page={page}"
                return client.get(target)
            if scenario == "page":
                return client.get(f"/bench/page/{pair['certificate_id']}/")
            if scenario == "bare":
                return client.get("/bench/bare/")
            return _issue_one(info)

        one(0)  # warm
        if explain:
            Path(explain).write_text(json.dumps(_explain(lambda: one(1)), ensure_ascii=False, indent=1))
            return
        if sql:
            with CaptureQueriesContext(connection) as queries:
                one(1)
            for query in queries.captured_queries:
                self.stdout.write(f"{float(query['time']) * 1000:7.2f} ms  {query['sql'][:300]}")
            self.stdout.write(f"{len(queries)} queries")
            return

        from pyinstrument import Profiler

        reset_queries()
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for n in range(requests):
            one(n)
        profiler.stop()
        elapsed = time.perf_counter() - started
        self.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))
        self.stdout.write(
            f"{requests} × {scenario}: {elapsed / requests * 1000:.1f} ms each (under the profiler)"
        )


def _explain(request) -> dict:
    """One request's statements (session, BEGIN and COMMIT included, as the server runs them) and the
    plan of its slowest SELECT, run again under EXPLAIN (ANALYZE, BUFFERS)."""
    with CaptureQueriesContext(connection) as queries:
        response = request()
    selects = [
        q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    result = {"status": response.status_code, "statements": len(queries), "slowest": None}
    if selects:
        slowest = max(selects, key=lambda q: float(q["time"]))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        result["slowest"] = {"ms": float(slowest["time"]) * 1000, "sql": slowest["sql"], "plan": plan}
    return result


def _issue_one(info):
    import datetime

    from django.utils import timezone

    from issuers.models import Branch, OrderingBody
    from issuers.services import GuaranteeTerms, contract_issue

    today = timezone.localdate()
    terms = GuaranteeTerms(
        product="advance",
        format="electronic",
        branch=Branch.objects.order_by("code").first(),
        ordering_body=OrderingBody.objects.get(code="204862"),
        contractor_address="長野県北安曇郡小谷村大字中小谷1-2-3",
        contractor_name="北アルプス建設株式会社",
        jv_name="",
        work_name="中小谷地区道路改良工事",
        work_location="長野県北安曇郡小谷村大字中小谷地内",
        contract_amount=50_000_000,
        period_start=today + datetime.timedelta(days=7),
        period_end=today + datetime.timedelta(days=300),
        contract_date=today,
        guarantee_amount=20_000_000,
        deposit_bank="八十二銀行 小谷支店",
        notify_email="soumu@example.com",
    )
    return contract_issue(terms=terms, by=get_user_model().objects.get(username=info["clerk"]))
