"""`manage.py bench_issue`: issuing N product requests through the issue service, against rendering
their PDFs alone.

Each run creates N submitted electronic product requests (N/2 applications for both products, the
contractor asking for the 発行完了 e-mail), then issues every one with
netdesk.services.product_request_issue — the clerk's 発行 in the admin, which calls
issuers.services.contract_issue: number, key, version, the three PDFs written to MEDIA_ROOT, the fee
statement, the post to D-Sure (its own copy of the certificate PDF), the events and the outbox mail.
Then it makes the same three PDFs of the same N contracts (certificate, key notice, fee statement) as
issued — rendered and sealed — with nothing else: no database, no files.

Both halves run in `--procs` processes at once (one branch each, so that they never wait on each
other's number series), as several clerks would; the figure is the wall time of the whole batch.
"""

import contextlib
import datetime
import json
import multiprocessing
import threading
import time
import traceback
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils import timezone

from issuers import documents, fees, sealing
from issuers.keys import decrypt_key
from issuers.models import Branch, CertificateVersion, FeeRate, KeyIssue, OrderingBody, Product, SuretyCompany
from netdesk.models import Application, Company, ProductRequest, Status
from netdesk.services import product_request_issue

BODY = "204862"  # 小谷村, on 電子保証 since 2026-04-01


class Command(BaseCommand):
    help = "Issue N product requests through the issue service vs render their PDFs alone."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=1000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--procs", type=int, default=2)
        parser.add_argument("--clerk", default="bench-clerk")
        parser.add_argument("--json", dest="json_path", required=True)

    def handle(self, *args, requests, runs, procs, clerk, json_path, **options):
        by = get_user_model().objects.get(username=clerk)
        branches = list(Branch.objects.order_by("code"))[:procs]
        if len(branches) < procs:
            raise CommandError(f"--procs {procs}: only {len(branches)} branches to spread them over")
        company = Company.objects.create(
            name="見本建設（発行ベンチ）株式会社",
            address="長野県北安曇郡小谷村1-1",
            representative="代表取締役 見本",
        )
        body = OrderingBody.objects.get(code=BODY)

        # Warm-up, not counted: fonts registered, templates and code paths loaded before the fork.
        for request in _requests(company, body, branches[:1], by, count=2):
            product_request_issue(product_request=request, by=by)
        results = {"issue_seconds": [], "render_seconds": [], "requests": requests, "procs": procs}
        for run in range(runs):
            batches = _batches(_requests(company, body, branches, by, count=requests), branches)
            issue_seconds = _parallel(_issue_batch, [([r.pk for r in batch], by.pk) for batch in batches])
            contract_ids = [
                list(
                    ProductRequest.objects.filter(pk__in=[r.pk for r in batch]).values_list(
                        "contract_id", flat=True
                    )
                )
                for batch in batches
            ]
            inputs = [_render_inputs(ids) for ids in contract_ids]
            render_seconds = _parallel(_render_batch, [(batch, branches[0].company_id) for batch in inputs])
            results["issue_seconds"].append(issue_seconds)
            results["render_seconds"].append(render_seconds)
            self.stdout.write(
                f"  issue run {run + 1}: {requests} issued in {issue_seconds:.1f} s, "
                f"their PDFs alone {render_seconds:.1f} s (ratio {issue_seconds / render_seconds:.2f})"
            )
        Path(json_path).write_text(json.dumps(results, indent=1))


def _requests(company, body, branches, by, *, count) -> list[ProductRequest]:
    """`count` submitted electronic product requests, both products per application, spread over the
    branches."""
    with transaction.atomic():  # one commit, not one per row
        return _create_requests(company, body, branches, by, count=count)


def _create_requests(company, body, branches, by, *, count) -> list[ProductRequest]:
    today = timezone.localdate()
    start = today + datetime.timedelta(days=14)
    requests = []
    for n in range((count + 1) // 2):
        application = Application.objects.create(
            company=company,
            created_by=by,
            submitted_at=timezone.now(),
            work_name=f"見本地区道路改良工事（発行ベンチ{n + 1}）",
            work_location="長野県北安曇郡小谷村大字中小谷地内",
            ordering_body=body,
            contract_amount=50_000_000,
            period_start=start,
            period_end=start + datetime.timedelta(days=300),
            contract_date=today,
            advance_planned=True,
            contractor_address=company.address,
            contractor_name=company.name,
            branch=branches[n % len(branches)],
            notify_issued=True,
            email="soumu@example.com",
        )
        for product, amount in ((Product.ADVANCE, 20_000_000), (Product.PERFORMANCE, 5_000_000)):
            if len(requests) == count:
                break
            requests.append(
                ProductRequest.objects.create(
                    application=application,
                    product=product,
                    requested=True,
                    status=Status.SUBMITTED,
                    format="electronic",
                    guarantee_amount=amount,
                    deposit_bank="八十二銀行 小谷支店" if product == Product.ADVANCE else "",
                    redeposit="not_used" if product == Product.ADVANCE else "",
                    payment_method="lump_sum",
                    fee_billing_to=company.name,
                    fee_statement_paper=False,
                )
            )
    return requests


def _batches(requests, branches) -> list[list[ProductRequest]]:
    by_branch = {branch.pk: [] for branch in branches}
    for request in requests:
        by_branch[request.application.branch_id].append(request)
    return list(by_branch.values())


def _render_inputs(contract_ids) -> list[tuple]:
    """What the three documents of each contract are rendered from, read before the clock starts."""
    versions = CertificateVersion.objects.filter(contract_id__in=contract_ids, sequence=1)
    keys = dict(
        KeyIssue.objects.filter(contract_id__in=contract_ids).values_list("contract_id", "key_ciphertext")
    )
    rates = {rate.product: rate for rate in FeeRate.objects.all()}
    inputs = []
    for version in versions:
        content = version.content
        start, end = fees.fee_period(content)
        quote = fees.compute_fee(
            product=content["product"],
            guarantee_amount=content["guarantee_amount"],
            start=start,
            end=end,
            rate=rates[content["product"]],
        )
        inputs.append(
            (content, decrypt_key(keys[version.contract_id]), fees.FeeStatementData(content, quote))
        )
    return inputs


def _issue_batch(request_ids, by_id):
    by = get_user_model().objects.get(pk=by_id)
    requests = list(ProductRequest.objects.filter(pk__in=request_ids).order_by("pk"))
    yield  # the clock starts here
    for request in requests:
        product_request_issue(product_request=request, by=by)


def _render_batch(inputs, company_id):
    company = SuretyCompany.objects.get(pk=company_id)
    yield
    for content, key, fee in inputs:
        # The PDFs as issued: rendered, then sealed (issuers.sealing), nothing else.
        sealing.seal_document(
            documents.render_certificate(content), company=company, document=sealing.CERTIFICATE
        )
        sealing.seal_document(
            documents.render_key_notice(content, key), company=company, document=sealing.KEY_NOTICE
        )
        sealing.seal_document(
            documents.render_fee_statement(fee), company=company, document=sealing.FEE_STATEMENT
        )


def _parallel(work, batches) -> float:
    """Run `work(*args)` for each batch in its own forked process, all starting together after their
    set-up (the part of `work` before its first `yield`); return the wall time from start to last end."""
    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(batches) + 1)
    done = context.Queue()

    def child(args):
        try:
            steps = work(*args)
            next(steps)
            barrier.wait()
            for _ in steps:
                pass
            done.put(time.perf_counter())
        except BaseException:
            done.put(traceback.format_exc())
            barrier.abort()
            raise
        finally:
            connections.close_all()

    processes = [context.Process(target=child, args=(args,)) for args in batches]
    for process in processes:
        process.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    started = time.perf_counter()
    ends = [done.get() for _ in processes]
    for process in processes:
        process.join()
    failures = [end for end in ends if isinstance(end, str)]
    if failures:
        raise CommandError(f"a benchmark process failed:\n{failures[0]}")
    return max(ends) - started
