"""`manage.py bench_seal`: what sealing costs at issuance (issue 14's targets).

In one process, N submitted electronic product requests (both products) are issued three ways, each
request timed on its own:
- sealed: the issue service as it is (three PDFs rendered and sealed, B-LT, in-process TSA);
- unsealed: the same with the seal step replaced by a pass-through (here only, never in the app);
- signing alone: sealing the same three rendered PDFs, nothing else (no database, no files).
Targets: sealed issuance ≤ 2 × unsealed (totals), p95 of sealed issuance per product ≤ 150 ms.
"""

import json
import statistics
import time
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from bench.management.commands.bench_issue import BODY, _render_inputs, _requests
from issuers import documents, sealing
from issuers.models import Branch, OrderingBody
from netdesk.models import Company, ProductRequest
from netdesk.services import product_request_issue
from seals.sealing import SealedPdf


class Command(BaseCommand):
    help = "Issuance with sealing vs without it vs sealing alone, per request (p50/p95 per product)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--clerk", default="bench-clerk")
        parser.add_argument("--json", dest="json_path", required=True)

    def handle(self, *args, requests, clerk, json_path, **options):
        by = get_user_model().objects.get(username=clerk)
        branch = Branch.objects.order_by("code").first()
        company = Company.objects.create(
            name="見本建設（封印ベンチ）株式会社",
            address="長野県北安曇郡小谷村1-1",
            representative="代表取締役 見本",
        )
        body = OrderingBody.objects.get(code=BODY)
        # Warm-up, not counted: fonts, the seal's credentials and font subset, code paths.
        self._issue(_requests(company, body, [branch], by, count=4), by)

        sealed = self._issue(_requests(company, body, [branch], by, count=requests), by)
        with mock.patch.object(
            sealing, "seal_document", lambda pdf, **kwargs: SealedPdf(data=pdf, seal_digest="")
        ):
            unsealed = self._issue(_requests(company, body, [branch], by, count=requests), by)
        signing = self._sign_alone(sealed["contract_ids"], branch)

        results = {"requests": requests, "sealed": sealed, "unsealed": unsealed, "signing": signing}
        Path(json_path).write_text(json.dumps(results, indent=1))
        # Wall time is what a clerk waits; CPU time is the same work without a busy machine's queueing.
        for clock in ("ms", "cpu_ms"):
            for label, figures in (("sealed", sealed[clock]), ("unsealed", unsealed[clock])):
                for product, values in figures.items():
                    self.stdout.write(f"  {clock:6} {label:8} {product:12} {_summary(values)}")
            self.stdout.write(f"  {clock:6} signing alone (3 PDFs)  {_summary(signing[clock])}")
            ratio = _total(sealed[clock]) / _total(unsealed[clock])
            self.stdout.write(f"  {clock:6} sealed ÷ unsealed issuance: {ratio:.2f}")

    def _issue(self, requests, by) -> dict:
        ms, cpu_ms = {}, {}
        for request in requests:
            began, cpu_began = time.perf_counter(), time.process_time()
            product_request_issue(product_request=request, by=by)
            ms.setdefault(request.product, []).append((time.perf_counter() - began) * 1000)
            cpu_ms.setdefault(request.product, []).append((time.process_time() - cpu_began) * 1000)
        ids = ProductRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list(
            "contract_id", flat=True
        )
        return {"ms": ms, "cpu_ms": cpu_ms, "contract_ids": list(ids)}

    def _sign_alone(self, contract_ids, branch) -> list[float]:
        pdfs = [
            (
                documents.render_certificate(content),
                documents.render_key_notice(content, key),
                documents.render_fee_statement(fee),
            )
            for content, key, fee in _render_inputs(contract_ids)
        ]
        company = branch.company
        ms, cpu_ms = [], []
        for certificate, notice, fee in pdfs:
            began, cpu_began = time.perf_counter(), time.process_time()
            sealing.seal_document(certificate, company=company, document=sealing.CERTIFICATE)
            sealing.seal_document(notice, company=company, document=sealing.KEY_NOTICE)
            sealing.seal_document(fee, company=company, document=sealing.FEE_STATEMENT)
            ms.append((time.perf_counter() - began) * 1000)
            cpu_ms.append((time.process_time() - cpu_began) * 1000)
        return {"ms": ms, "cpu_ms": cpu_ms}


def _total(by_product: dict) -> float:
    return sum(sum(values) for values in by_product.values())


def _p95(values) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def _summary(values) -> str:
    return f"n={len(values)} mean {statistics.fmean(values):.1f} ms, p50 {statistics.median(values):.1f} ms, p95 {_p95(values):.1f} ms"
