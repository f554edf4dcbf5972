"""Fixtures and helpers of the pages after issuance (保証契約一覧, 詳細, certificate window, 変更の申込).

Contracts are issued through the real services (netdesk.services.product_request_issue, which calls
issuers.services.contract_issue) at 2026-06-01 10:00 UTC, after 小谷村's e-surety start (2026-04-01).
"""

import datetime
import re

from django.utils import timezone

from issuers import services as issuers_services
from netdesk import services
from netdesk.models import ProductRequest, Status
from tests import factories

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


def issue_application(*, company, contractor, body, branch, clerk, format="electronic", **fields):
    """A submitted application for both products, issued by the clerk; returns (advance, performance)."""
    application = factories.ApplicationFactory(
        company=company,
        created_by=contractor,
        ordering_body=body,
        branch=branch,
        submitted_at=timezone.now(),
        products__status=Status.SUBMITTED,
        products__format=format,
        **fields,
    )
    requests = {r.product: r for r in application.products.all()}
    for product_request in requests.values():
        services.product_request_issue(product_request=product_request, by=clerk)
    return (
        ProductRequest.objects.select_related("contract").get(pk=requests["advance"].pk),
        ProductRequest.objects.select_related("contract").get(pk=requests["performance"].pk),
    )


def change(contract, clerk, **fields):
    return issuers_services.contract_change(
        contract=contract, amendment=issuers_services.Amendment(**fields), by=clerk
    )


def correct(contract, clerk, **fields):
    return issuers_services.contract_correct(
        contract=contract, amendment=issuers_services.Amendment(**fields), by=clerk
    )


def detail_url(contract):
    return f"/netdesk/contracts/{contract.pk}/"


HISTORY_ROW = re.compile(
    r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td><a[^>]*href=\"([^\"]+)\"", re.S
)


def history_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(No., 電子保証発行日時, 対象, 選択 link) per row of the 電子保証情報（履歴情報） table."""
    start = page.index('id="history-title"')
    table = page[start : page.index("</table>", start)]
    return HISTORY_ROW.findall(table)
