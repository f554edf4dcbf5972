"""Net Desk's operations on applications. Views, admin actions, commands and tests call these.

Every transition locks the row, checks the current 手続状況, and writes an ApplicationEvent.
(Issuance, at the bottom, hands the terms of one product request to issuers.services.)
"""

from django.db import transaction

from issuers import services as issuers_services
from issuers.models import GuaranteeContract
from netdesk.models import ApplicationEvent, ProductRequest, Status


class TransitionError(Exception):
    """A refused transition; the message is Japanese and shown to the user as it is."""


# -- issuance (branch clerks, through the admin or `manage.py issue_requests`) ----------------------


def product_request_issue(*, product_request: ProductRequest, by) -> GuaranteeContract:
    """Issue one product request: lock it, check it is still issuable, issue the contract in the same
    transaction, and point the request at it. A second click or a concurrent clerk waits on the lock,
    then finds it 発行済 and gets a clear message; never a second contract."""
    with transaction.atomic():
        locked = (
            ProductRequest.objects.select_for_update()
            .select_related("application__ordering_body", "application__branch", "contract")
            .get(pk=product_request.pk)
        )
        if locked.status == Status.ISSUED:
            raise TransitionError(
                f"{locked.get_product_display()}はすでに発行済みです（保証契約番号 {locked.contract.number}）。"
            )
        if locked.status not in (Status.SUBMITTED, Status.REVIEWING):
            raise TransitionError(
                f"{locked.get_product_display()}は「{locked.get_status_display()}」のため発行できません。"
            )
        try:
            contract = issuers_services.contract_issue(terms=_terms(locked), by=by)
        except issuers_services.IssueError as error:
            raise TransitionError(str(error)) from error
        previous = locked.status
        locked.contract = contract
        locked.status = Status.ISSUED
        locked.save(update_fields=["contract", "status"])
        ApplicationEvent.objects.create(
            application=locked.application,
            product_request=locked,
            action="issue",
            from_status=previous,
            to_status=Status.ISSUED,
            by=by,
            message=f"保証契約番号 {contract.number}",
        )
    return contract


def _terms(product_request: ProductRequest) -> issuers_services.GuaranteeTerms:
    application = product_request.application
    return issuers_services.GuaranteeTerms(
        product=product_request.product,
        format=product_request.format,
        branch=application.branch,
        ordering_body=application.ordering_body,
        contractor_address=application.contractor_address,
        contractor_name=application.contractor_name,
        jv_name=application.jv_name,
        work_name=application.work_name,
        work_location=application.work_location,
        contract_amount=application.contract_amount,
        period_start=application.period_start,
        period_end=application.period_end,
        contract_date=application.contract_date,
        guarantee_amount=product_request.guarantee_amount,
        deposit_bank=product_request.deposit_bank,
        notify_email=application.email if application.notify_issued else "",
    )
