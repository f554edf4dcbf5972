"""Net Desk's operations on applications. Views, admin actions, commands and tests call these.

Every transition locks the row, checks the current 手続状況, and writes an ApplicationEvent.
(Issuance, at the bottom, hands the terms of one product request to issuers.services.)
"""

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from common.formats import kanji_number, rate, yen
from issuers import amendments
from issuers import mail as issuers_mail
from issuers import services as issuers_services
from issuers.amendments import Amendment
from issuers.models import ADVANCE_PRODUCTS, CertificateVersion, GuaranteeContract, Product
from netdesk import rules
from netdesk.models import (
    AMENDABLE_TERMS,
    DRAFT_PRODUCTS,
    OPEN_STATUSES,
    AmendmentRequest,
    Application,
    ApplicationEvent,
    ApplicationState,
    Company,
    ProductRequest,
    Status,
)


class TransitionError(Exception):
    """A refused transition; the message is Japanese and shown to the user as it is."""


class ApplicationInvalid(TransitionError):
    """Submitting a draft that breaks the rules of spec §3; `errors` maps fields to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("入力内容に誤りがあります。申込作成の画面で修正してください。")
        self.errors = errors


# -- the contractor's draft (Net Desk) ----------------------------------------------------------------


def application_create(*, company: Company, by, client_token: uuid.UUID) -> Application:
    """Create a draft for `company`, or find the one this form already created.

    The new-application form carries a client_token; a double POST (double click, resent form) gets
    the same draft back instead of a second one. A token of another company's draft is refused with
    LookupError (the view turns it into a 404).
    """
    with transaction.atomic():
        application, created = Application.objects.get_or_create(
            client_token=client_token,
            defaults={
                "company": company,
                "created_by": by,
                "contractor_address": company.address,
                "contractor_name": company.name,
            },
        )
        if application.company_id != company.pk:
            raise LookupError("client_token of another company")
        if created:
            # The 中間前払金保証's row comes later, with its own 申込 (intermediate_submit).
            for product in DRAFT_PRODUCTS:
                ProductRequest.objects.create(
                    application=application, product=product, fee_billing_to=company.name
                )
            ApplicationEvent.objects.create(
                application=application, action="create", to_status=Status.DRAFT, by=by
            )
    return application


def application_save_draft(*, application: Application, data: dict, by) -> Application:
    """一時保存: store whatever `data` holds (form field names, already converted) without the rules.

    Refused once the application has been sent (申込済 and later): a stale tab cannot change it.
    """
    with transaction.atomic():
        locked, products = _lock(application)
        _check_editable(locked, products)
        _write(locked, products, data)
    return locked


def application_clear_section(*, application: Application, section: str, by) -> Application:
    """「保証の申込内容をクリア」 (section "products") or 「インフォメーションをクリア」 ("information")."""
    fields = {"products": rules.PRODUCTS_SECTION_FIELDS, "information": rules.INFORMATION_FIELDS}[section]
    with transaction.atomic():
        locked, products = _lock(application)
        _check_editable(locked, products)
        _write(locked, products, {name: _empty_value(name) for name in fields})
    return locked


def application_submit(*, application: Application, by) -> bool:
    """送信する: re-validate the whole draft and move each requested product 作成中/差戻し → 申込済.

    Returns True when this call sent it, False when it had already been sent (double click, back
    button, a second tab): the caller shows 送信完了 either way. Concurrent calls queue on the row
    lock, so only the first one moves anything. Raises ApplicationInvalid if the draft breaks a rule.
    """
    with transaction.atomic():
        locked, products = _lock(application)
        state = ApplicationState.of(locked, products)
        if state.sent:
            if state.withdrawn:
                raise TransitionError("この申込は取り下げられているため送信できません。")
            return False
        errors = rules.application_errors(
            rules.application_snapshot(locked, products), today=timezone.localdate()
        )
        if errors:
            raise ApplicationInvalid(errors)
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["submitted_at", "updated_at"])
        moving = [p for p in products if p.requested and p.product in DRAFT_PRODUCTS]
        _move(locked, moving, to=Status.SUBMITTED, action="submit", by=by)
    return True


def application_withdraw(*, application: Application, by) -> Application:
    """取下げ: only while every requested product is 申込済 (before the branch starts its review)."""
    with transaction.atomic():
        locked, products = _lock(application)
        state = ApplicationState.of(locked, products)
        if state.withdrawn:
            raise TransitionError("この申込はすでに取り下げられています。")
        if not state.withdrawable:
            if state.review_started:
                raise TransitionError(
                    "審査が始まっているため取り下げできません。申込先の営業部・支店にお問い合わせください。"
                )
            raise TransitionError("送信済み（申込済）の申込だけが取り下げできます。")
        locked.save(update_fields=["updated_at"])
        _move(locked, [p for p in products if p.requested], to=Status.WITHDRAWN, action="withdraw", by=by)
    return locked


# -- the branch's review (called from the admin) -------------------------------------------------------


def application_review_start(*, application: Application, by) -> Application:
    """審査開始: requested products 申込済 → 審査中."""
    with transaction.atomic():
        locked, products = _lock(application)
        moving = [p for p in products if p.requested and p.status == Status.SUBMITTED]
        if not moving:
            raise TransitionError(f"手続状況が「{_statuses(products)}」のため審査を開始できません。")
        locked.save(update_fields=["updated_at"])
        _move(locked, moving, to=Status.REVIEWING, action="review_start", by=by)
    return locked


def application_return(*, application: Application, by, message: str) -> Application:
    """差戻し: requested products 申込済/審査中 → 差戻し with 弊社からお客様へのお知らせ; the contractor
    can then edit and send it again. Refused once a product of it has been issued."""
    message = (message or "").strip()
    if not message:
        raise TransitionError("差戻しの理由（弊社からお客様へのお知らせ）を入力してください。")
    with transaction.atomic():
        locked, products = _lock(application)
        requested = [p for p in products if p.requested]
        moving = [p for p in requested if p.is_open]
        # A returned draft is editable again, which an issued contract's terms must not be; a 中間前払金保証
        # alone goes back to its own form, which leaves the work's terms as they are.
        if any(p.status == Status.ISSUED for p in requested) and any(
            p.product in DRAFT_PRODUCTS for p in moving
        ):
            raise TransitionError("発行済の保証を含む申込は差し戻せません。")
        if not moving:
            raise TransitionError(f"手続状況が「{_statuses(products)}」のため差し戻せません。")
        locked.notice_from_company = message
        locked.save(update_fields=["notice_from_company", "updated_at"])
        events = _move(locked, moving, to=Status.RETURNED, action="return", by=by, message=message)
        if locked.notify_issued and locked.email:
            _queue_returned_mail(application=locked, message=message, event=events[-1])
    return locked


def _queue_returned_mail(*, application: Application, message: str, event: ApplicationEvent) -> None:
    """「保証申込の差戻しのお知らせ」 to the contractor who asked for e-mails (one per 差戻し)."""
    issuers_mail.queue_mail(
        dedup_key=f"returned:{application.pk}:{event.pk}",
        to=application.email,
        template="returned",
        context={
            "application": application,
            "message": message,
            "application_url": f"{settings.SITE_URL}/netdesk/applications/{application.pk}/",
            "company_name": application.branch.company.name if application.branch_id else "",
        },
    )


def application_delete_draft(*, application: Application, by) -> None:
    """削除: a draft never sent (for example left by 申込確認へ with gaps) goes away. A sent, returned
    or withdrawn application stays: its trail is part of the record."""
    with transaction.atomic():
        locked, products = _lock(application)
        if not ApplicationState.of(locked, products).draft:
            raise TransitionError("送信した申込は削除できません。")
        audit.record(
            action="application.delete_draft",
            summary=f"保証申込の下書き「{locked.work_name or '工事名未入力'}」を削除",
            obj=locked,
            by=by,
        )
        locked.delete()


# -- helpers ---------------------------------------------------------------------------------------------


def _lock(application: Application) -> tuple[Application, list[ProductRequest]]:
    """Lock the application and its product requests (in that order, everywhere) for this transaction."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    products = list(ProductRequest.objects.select_for_update().filter(application=locked).order_by("product"))
    return locked, products


def _check_editable(application: Application, products: list[ProductRequest]) -> None:
    if not ApplicationState.of(application, products).editable:
        raise TransitionError("この申込は送信済みのため変更できません。")


def _write(application: Application, products: list[ProductRequest], data: dict) -> None:
    for name in rules.APPLICATION_FIELDS:
        if name in data:
            setattr(application, name, data[name])
    application.save()
    by_product = {p.product: p for p in products}
    for product, names in rules.PRODUCT_FIELDS.items():
        request = by_product.get(product)
        if request is None:  # drafts made before both rows existed
            request = ProductRequest.objects.create(application=application, product=product)
            products.append(request)
        changed = []
        for name in names:
            key = rules.PREFIX[product] + name
            if key in data:
                setattr(request, name, data[key])
                changed.append(name)
        if changed:
            request.save(update_fields=changed)


def _empty_value(name: str):
    """The value a cleared field takes: False for the 申し込む checkboxes, None for what may be null."""
    if name.endswith("_requested"):
        return False
    model_field = _model_field(name)
    return None if model_field.null else ""


def _model_field(name: str):
    for prefix in rules.PREFIX.values():
        if name.startswith(prefix) and name.removeprefix(prefix) in rules.PRODUCT_FIELDS[Product.ADVANCE]:
            return ProductRequest._meta.get_field(name.removeprefix(prefix))
    return Application._meta.get_field(name)


def _move(application, requests, *, to, action, by, message="") -> list[ApplicationEvent]:
    events = []
    for request in requests:
        previous = request.status
        request.status = to
        request.save(update_fields=["status"])
        events.append(
            ApplicationEvent.objects.create(
                application=application,
                product_request=request,
                action=action,
                from_status=previous,
                to_status=to,
                by=by,
                message=message,
            )
        )
    audit.record(
        action=f"application.{action}",
        summary=f"保証申込「{application.work_name}」を{Status(to).label}に",
        obj=application,
        by=by,
        products=[request.product for request in requests],
        message=message,
    )
    return events


def _statuses(products: list[ProductRequest]) -> str:
    return "・".join(p.get_status_display() for p in products if p.requested) or "未選択"


# -- issuance (branch clerks, through the admin or `manage.py issue_requests`) ----------------------


def product_request_issue_refusal(product_request: ProductRequest) -> str:
    """Why 発行 would be refused for this request as it stands, or "" (the same checks as below)."""
    if product_request.status == Status.ISSUED:
        return (
            f"{product_request.get_product_display()}はすでに発行済みです"
            f"（保証契約番号 {product_request.contract.number}）。"
        )
    if not product_request.is_open:
        return f"{product_request.get_product_display()}は「{product_request.get_status_display()}」のため発行できません。"
    if product_request.product == Product.INTERMEDIATE:
        return _intermediate_issue_refusal(product_request)
    return ""


def product_request_preview(*, product_request: ProductRequest, rate=None) -> issuers_services.IssuePreview:
    """What 発行 would issue for this request: issuers' preview of its terms, nothing written. The
    refusal is the request's own (発行済, 差戻し…) before the contract's (a 保証期限 already past). A
    request refused on its own shows no content: a returned one may have been saved with gaps."""
    refusal = product_request_issue_refusal(product_request)
    if refusal:
        return issuers_services.IssuePreview(content=None, fee=None, email_to="", refusal=refusal)
    return issuers_services.contract_preview(terms=_terms(product_request), rate=rate)


def product_request_issue(*, product_request: ProductRequest, by) -> GuaranteeContract:
    """Issue one product request: lock it, check it is still issuable, issue the contract in the same
    transaction, and point the request at it. A second click or a concurrent clerk waits on the lock,
    then finds it 発行済 and gets a clear message; never a second contract."""
    with transaction.atomic():
        # The application first (the order of _lock): a 中間前払金保証 and a 変更 of its first advance
        # are checked against each other, so the two guarantees of one work are issued one at a time.
        Application.objects.select_for_update().filter(pk=product_request.application_id).exists()
        # The contract is read after the lock, not joined into it: a clerk who waited on the lock sees
        # the joined rows as they were before the winner committed (PostgreSQL, READ COMMITTED).
        locked = (
            ProductRequest.objects.select_for_update(of=("self",))
            .select_related("application__ordering_body", "application__branch")
            .get(pk=product_request.pk)
        )
        refusal = product_request_issue_refusal(locked)
        if refusal:
            raise TransitionError(refusal)
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
    if product_request.product == Product.INTERMEDIATE:
        return _intermediate_terms(product_request)
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


# -- 中間前払金保証: applied for on the issued 前払金保証 of the same application (the same work) ---------


def _issued_contract_of_work(product_request: ProductRequest, product: str) -> GuaranteeContract | None:
    """The issued, not revoked contract of `product` on the request's application (the work), or None."""
    return (
        GuaranteeContract.objects.filter(
            pk__in=ProductRequest.objects.filter(
                application_id=product_request.application_id,
                product=product,
                status=Status.ISSUED,
            ).values("contract_id"),
            revoked_at__isnull=True,
        )
        .select_related("ordering_body")
        .first()
    )


def first_advance_contract(product_request: ProductRequest) -> GuaranteeContract | None:
    """The issued, not revoked 前払金保証 contract of the request's application, or None."""
    return _issued_contract_of_work(product_request, Product.ADVANCE)


def intermediate_request_for(advance_request: ProductRequest) -> ProductRequest | None:
    """The 中間前払金保証 request of the advance's application, if one was ever made."""
    return (
        ProductRequest.objects.filter(
            application_id=advance_request.application_id, product=Product.INTERMEDIATE
        )
        .select_related("contract")
        .first()
    )


def intermediate_submit(*, advance_request: ProductRequest, by, values: dict) -> ProductRequest:
    """The contractor's 中間前払金保証 申込 from 詳細 of an issued 前払金保証: the same application (work)
    gets its 中間前払金保証 request, 作成中/差戻し → 申込済, after the rules of rules.intermediate_errors
    on the first advance's current certificate. `values` holds rules.INTERMEDIATE_FIELDS, with
    certification_document an uploaded file or None (a returned request keeps the one it had).

    Raises ApplicationInvalid (field → messages) when a rule refuses, TransitionError when it was
    already sent (a second click, another tab): there is one 中間前払金保証 per work."""
    with transaction.atomic():
        locked, products = _lock(advance_request.application)
        advance = next(p for p in products if p.pk == advance_request.pk)
        contract = first_advance_contract(advance)
        body = locked.ordering_body
        request = next((p for p in products if p.product == Product.INTERMEDIATE), None)
        if request is not None and request.requested and not request.may_send:
            raise TransitionError(
                f"この工事の中間前払金保証はすでに申し込まれています（手続状況: {request.status_label}）。"
            )
        snapshot = dict(values)
        document = values.get("certification_document")
        snapshot["certification_document"] = bool(
            document or (request is not None and request.certification_document)
        )
        current = issuers_services.current_content(contract) if contract is not None else None
        errors = rules.intermediate_errors(snapshot, advance=current, body=body, today=timezone.localdate())
        if errors:
            raise ApplicationInvalid(errors)
        if request is None:
            request = ProductRequest.objects.create(application=locked, product=Product.INTERMEDIATE)
        previous = request.status
        for name in rules.INTERMEDIATE_FIELDS:
            if name != "certification_document":
                setattr(request, name, values.get(name))
        if document:
            request.certification_document.save(document.name, document, save=False)
        request.certification_number = request.certification_number or ""
        request.requested = True
        request.status = Status.SUBMITTED
        request.save()
        locked.save(update_fields=["updated_at"])
        ApplicationEvent.objects.create(
            application=locked,
            product_request=request,
            action="intermediate_submit",
            from_status=previous,
            to_status=Status.SUBMITTED,
            by=by,
            message=f"前払金保証（保証契約番号 {contract.number}）の中間前払金保証",
        )
        audit.record(
            action="application.intermediate_submit",
            summary=f"保証申込「{locked.work_name}」の中間前払金保証を申込済に",
            obj=locked,
            by=by,
            advance_number=contract.number,
            guarantee_amount=request.guarantee_amount,
            format=request.format,
        )
    return request


def issued_intermediate_contract(product_request: ProductRequest) -> GuaranteeContract | None:
    """The issued, not revoked 中間前払金保証 contract of the request's application (work), or None."""
    return _issued_contract_of_work(product_request, Product.INTERMEDIATE)


def _intermediate_issue_refusal(product_request: ProductRequest) -> str:
    """The rules ran at the 申込, but the certificate takes the 請負金額 from the first advance as it reads
    at 発行: a 変更 of it since may have moved the limits, so they are checked again here."""
    advance = first_advance_contract(product_request)
    if advance is None:
        return rules.NO_ADVANCE_MESSAGE
    content = issuers_services.current_content(advance)
    body = advance.ordering_body
    refusal = rules.intermediate_refusal(body, content)
    if refusal:
        return refusal
    amount = product_request.guarantee_amount or 0
    contract_amount = content["contract_amount"]
    broken = rules.intermediate_limit_broken(
        body,
        contract_amount=contract_amount,
        advance_amount=content["guarantee_amount"],
        intermediate_amount=amount,
    )
    if broken == "ratio":
        return (
            f"中間前払金保証金額（{yen(amount)}）が、前払金保証（保証契約番号 {advance.number}）の現在の請負金額"
            f"（{yen(contract_amount)}）の{rate(body.intermediate_ratio_limit)}"
            f"（{yen(rules.intermediate_maximum(body, contract_amount))}）を超えるため発行できません。"
        )
    if broken == "total":
        return (
            f"前払金保証（保証契約番号 {advance.number}）の現在の前払金保証金額（{yen(content['guarantee_amount'])}）"
            f"と中間前払金保証金額（{yen(amount)}）の合計が、請負金額（{yen(contract_amount)}）の"
            f"{rate(body.advance_total_ratio_limit)}（{yen(rules.advance_total_maximum(body, contract_amount))}）"
            "を超えるため発行できません。"
        )
    return ""


def intermediate_withdraw(*, application: Application, by) -> ProductRequest:
    """取下げ of the 中間前払金保証 request alone, while 申込済 (as application_withdraw: before the branch
    starts its review). The issued 前払金保証 of the same work is untouched; the contractor may apply
    for the intermediate again from its 詳細."""
    with transaction.atomic():
        locked, products = _lock(application)
        request = next((p for p in products if p.product == Product.INTERMEDIATE and p.requested), None)
        if request is None:
            raise TransitionError("この工事には中間前払金保証の申込がありません。")
        if request.status == Status.WITHDRAWN:
            raise TransitionError("この中間前払金保証の申込はすでに取り下げられています。")
        if not request.is_withdrawable:
            if request.status in (Status.REVIEWING, Status.ISSUED):
                raise TransitionError(
                    "審査が始まっているため取り下げできません。申込先の営業部・支店にお問い合わせください。"
                )
            raise TransitionError("送信済み（申込済）の申込だけが取り下げできます。")
        locked.save(update_fields=["updated_at"])
        _move(locked, [request], to=Status.WITHDRAWN, action="intermediate_withdraw", by=by)
    return request


def _intermediate_terms(product_request: ProductRequest) -> issuers_services.GuaranteeTerms:
    """The 中間前払金保証 guarantees the same work as the first advance as it reads now (after its 変更)."""
    application = product_request.application
    advance = first_advance_contract(product_request)
    content = issuers_services.current_content(advance)
    return issuers_services.GuaranteeTerms(
        product=Product.INTERMEDIATE,
        format=product_request.format,
        branch=application.branch,
        ordering_body=application.ordering_body,
        contractor_address=content["contractor_address"],
        contractor_name=content["contractor_name"],
        jv_name=content["jv_name"],
        work_name=content["work_name"],
        work_location=content["work_location"],
        contract_amount=content["contract_amount"],
        period_start=datetime.date.fromisoformat(content["period_start"]),
        period_end=datetime.date.fromisoformat(content["period_end"]),
        contract_date=datetime.date.fromisoformat(content["contract_date"]),
        guarantee_amount=product_request.guarantee_amount,
        deposit_bank=product_request.deposit_bank,
        notify_email=application.email if application.notify_issued else "",
        advance_number=advance.number,
    )


# -- amendments (変更の申込): the contractor applies from 詳細, the branch issues 変更N or returns it -------

# Seed Q5 and note (注)2 on the certificate, in the leaflets' words.
MIXED_FORMATS_MESSAGE = "同じ保証契約において、電子証書と紙の保証証書は混在できません。"
CONTRACT_AMOUNT_ONLY_MESSAGE = "請負金額のみの変更の場合は、この保証契約の効力に影響を及ぼさないので、保証契約変更の手続きをとる必要はありません。"
REVOKED_MESSAGE = "この保証契約は取消済みのため、変更を申し込めません。"
NOTHING_CHANGED_MESSAGE = "変更する項目がありません。変更後の内容を入力してください。"


class AmendmentRefused(TransitionError):
    """A refused 変更の申込; `field` names the form field the message belongs next to (None: the form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def amendment_submit(
    *,
    product_request: ProductRequest,
    by,
    client_token: uuid.UUID,
    format: str,
    terms: Amendment,
    reason: str = "",
) -> AmendmentRequest:
    """The contractor's 変更の申込 for an issued contract. Only the values that differ from the current
    certificate are stored. Refused (AmendmentRefused) for the other format (Q5), for a change of
    請負金額 alone (note (注)2), when nothing changes, when the result breaks the amounts or the 工期,
    and while another 変更の申込 of the contract is open.

    Idempotent: the form carries a client_token, and a second POST of it returns the first request. A
    token of another contract's request is refused with LookupError (the view turns it into a 404)."""
    with transaction.atomic():
        locked = (
            ProductRequest.objects.select_for_update(of=("self",))
            .select_related("contract")
            .get(pk=product_request.pk)
        )
        # Looked up after the lock: a concurrent POST of the same token waits above, then finds it here.
        existing = AmendmentRequest.objects.filter(client_token=client_token).first()
        if existing is not None:
            if existing.product_request_id != locked.pk:
                raise LookupError("client_token of another contract")
            return existing
        contract = locked.contract
        if not locked.is_amendable:
            if contract is not None and contract.revoked_at is not None:
                raise AmendmentRefused(REVOKED_MESSAGE)
            raise AmendmentRefused("発行済みの保証契約に限り、変更を申し込めます。")
        if format != contract.format:
            raise AmendmentRefused(MIXED_FORMATS_MESSAGE, field="format")
        if locked.amendments.filter(status__in=OPEN_STATUSES).exists():
            raise AmendmentRefused(
                "この保証契約には受付中の変更の申込があります。発行または差戻しの後に、改めてお申し込みください。"
            )
        current = issuers_services.current_content(contract)
        if contract.product not in ADVANCE_PRODUCTS:
            terms = terms.without("deposit_bank")  # 預託金融機関 is a term of the advances only.
        changes = terms.differing_from(current, ignore_width=True).changes()
        if set(changes) - set(AMENDABLE_TERMS):
            raise ValueError(
                f"not terms a contractor may amend: {sorted(set(changes) - set(AMENDABLE_TERMS))}"
            )
        _check_amendment(current, changes)
        _check_limits(locked, contract, current, changes)
        amendment = AmendmentRequest.objects.create(
            product_request=locked,
            client_token=client_token,
            status=Status.SUBMITTED,
            format=format,
            reason=reason,
            requested_by=by,
            before={field: current.get(field) for field in changes},
            **changes,
        )
        ApplicationEvent.objects.create(
            application_id=locked.application_id,
            product_request=locked,
            action="amendment_submit",
            to_status=Status.SUBMITTED,
            by=by,
            message=f"変更の申込 {amendment.pk}（保証契約番号 {contract.number}）: {'・'.join(amendments.LABELS[term] for term in changes)}",
        )
        audit.record(
            action="amendment.submit",
            summary=f"変更の申込（保証契約番号 {contract.number}）",
            obj=amendment,
            by=by,
            changes=sorted(changes),
        )
    return amendment


def amendment_issue(*, amendment: AmendmentRequest, by) -> CertificateVersion:
    """The branch issues a 変更の申込 as 変更N (issuers.services.contract_change): a new version under
    the same number and key, posted to D-Sure. Locks the request first, so a second click or a
    concurrent clerk finds it 発行済 and gets a message; never two changes."""
    with transaction.atomic():
        locked = (
            AmendmentRequest.objects.select_for_update(of=("self",))
            # Not "version": a row joined to a locked one is read from the snapshot before the wait, so
            # a concurrent issue would show 発行済 with no version. It is read after the lock instead.
            .select_related("product_request__contract")
            .get(pk=amendment.pk)
        )
        if locked.status == Status.ISSUED:
            raise TransitionError(
                f"この変更の申込はすでに発行済みです（変更{kanji_number(locked.version.change_no)}）。"
            )
        if not locked.is_open:
            raise TransitionError(f"この変更の申込は「{locked.get_status_display()}」のため発行できません。")
        contract = locked.product_request.contract
        if locked.format != contract.format:
            raise TransitionError(MIXED_FORMATS_MESSAGE)
        # The other guarantee of the work may have been issued or changed since the 変更の申込; the
        # application's lock keeps it from being issued while this is checked (product_request_issue).
        Application.objects.select_for_update().filter(pk=locked.product_request.application_id).exists()
        try:
            _check_limits(
                locked.product_request,
                contract,
                issuers_services.current_content(contract),
                locked.terms.changes(),
            )
        except AmendmentRefused as refused:
            raise TransitionError(f"この変更の申込は発行できません。{refused}") from refused
        try:
            version = issuers_services.contract_change(contract=contract, amendment=locked.terms, by=by)
        except issuers_services.IssueError as error:
            raise TransitionError(str(error)) from error
        _move_amendment(
            locked,
            to=Status.ISSUED,
            action="amendment_issue",
            by=by,
            message=f"変更の申込 {locked.pk} を変更{kanji_number(version.change_no)}として発行（保証契約番号 {contract.number}）",
            version=version,
        )
    return version


def amendment_return(*, amendment: AmendmentRequest, by, message: str) -> AmendmentRequest:
    """The branch returns a 変更の申込 (差戻し) with 弊社からお客様へのお知らせ; the contractor may apply again."""
    with transaction.atomic():
        locked = (
            AmendmentRequest.objects.select_for_update(of=("self",))
            .select_related("product_request")
            .get(pk=amendment.pk)
        )
        if not locked.is_open:
            raise TransitionError(
                f"この変更の申込は「{locked.get_status_display()}」のため差戻しできません。"
            )
        _move_amendment(
            locked,
            to=Status.RETURNED,
            action="amendment_return",
            by=by,
            message=message,
            notice_from_company=message,
        )
        audit.record(
            action="amendment.return", summary="変更の申込を差戻し", obj=locked, by=by, message=message
        )
    return locked


def _move_amendment(amendment: AmendmentRequest, *, to, action: str, by, message: str, **fields) -> None:
    """A 変更の申込 moves to `to` (with the other `fields` it gets) and its ApplicationEvent is written."""
    previous = amendment.status
    amendment.status = to
    for name, value in fields.items():
        setattr(amendment, name, value)
    amendment.save(update_fields=["status", *fields])
    ApplicationEvent.objects.create(
        application_id=amendment.product_request.application_id,
        product_request=amendment.product_request,
        action=action,
        from_status=previous,
        to_status=to,
        by=by,
        message=message,
    )


def _check_amendment(current: dict, changes: dict) -> None:
    if not changes:
        raise AmendmentRefused(NOTHING_CHANGED_MESSAGE)
    if set(changes) == {"contract_amount"}:
        raise AmendmentRefused(CONTRACT_AMOUNT_ONLY_MESSAGE, field="contract_amount")
    guarantee = changes.get("guarantee_amount", current["guarantee_amount"])
    contract_amount = changes.get("contract_amount", current["contract_amount"])
    if guarantee > contract_amount:
        raise AmendmentRefused(
            f"保証金額は請負金額（{yen(contract_amount)}）以下で入力してください。", field="guarantee_amount"
        )
    start = changes.get("period_start") or datetime.date.fromisoformat(current["period_start"])
    end = changes.get("period_end") or datetime.date.fromisoformat(current["period_end"])
    if end < start:
        raise AmendmentRefused("工期の終了日は開始日以降の日付を入力してください。", field="period_end")


def _check_limits(product_request, contract, current: dict, changes: dict) -> None:
    """The 中間前金払 limits bind the two guarantees of one work, whichever of them is changed."""
    if contract.product == Product.INTERMEDIATE:
        _check_intermediate_amendment(product_request, contract, current, changes)
    elif contract.product == Product.ADVANCE:
        _check_advance_amendment(product_request, contract, current, changes)


def _check_advance_amendment(product_request, contract, current: dict, changes: dict) -> None:
    """A changed first advance keeps its issued 中間前払金保証 within 2/10 of the (new) 請負金額, and the
    two together within 6/10."""
    intermediate = issued_intermediate_contract(product_request)
    if intermediate is None:
        return
    amount = issuers_services.current_content(intermediate)["guarantee_amount"]
    guarantee = changes.get("guarantee_amount", current["guarantee_amount"])
    contract_amount = changes.get("contract_amount", current["contract_amount"])
    body = contract.ordering_body
    broken = rules.intermediate_limit_broken(
        body, contract_amount=contract_amount, advance_amount=guarantee, intermediate_amount=amount
    )
    if broken == "ratio":
        raise AmendmentRefused(
            f"この工事には中間前払金保証（保証契約番号 {intermediate.number}、{yen(amount)}）が発行されています。"
            f"中間前払金保証金額は請負金額の{rate(body.intermediate_ratio_limit)}以内に限られるため、請負金額は"
            f"{yen(rules.intermediate_contract_amount_minimum(body, amount))}以上で入力してください。",
            field="contract_amount",
        )
    if broken == "total":
        total = rules.advance_total_maximum(body, contract_amount)
        raise AmendmentRefused(
            f"前払金保証金額（{yen(guarantee)}）と発行済みの中間前払金保証金額（{yen(amount)}、保証契約番号 "
            f"{intermediate.number}）の合計は、請負金額の{rate(body.advance_total_ratio_limit)}（{yen(total)}）"
            f"以内で入力してください（前払金保証金額は{yen(max(total - amount, 0))}まで）。",
            field="guarantee_amount" if "guarantee_amount" in changes else "contract_amount",
        )


def _check_intermediate_amendment(product_request, contract, current: dict, changes: dict) -> None:
    """A changed 中間前払金保証 stays within the body's 2/10, and 6/10 with the first advance as it reads now."""
    guarantee = changes.get("guarantee_amount", current["guarantee_amount"])
    contract_amount = changes.get("contract_amount", current["contract_amount"])
    body = contract.ordering_body
    maximum = rules.intermediate_maximum(body, contract_amount)
    if guarantee > maximum:
        raise AmendmentRefused(
            f"中間前払金保証金額は請負金額の{rate(body.intermediate_ratio_limit)}（{yen(maximum)}）"
            f"以内で入力してください（{body.name}の中間前払金の割合の上限）。",
            field="guarantee_amount",
        )
    advance = first_advance_contract(product_request)
    if advance is None:
        return
    advance_amount = issuers_services.current_content(advance)["guarantee_amount"]
    total = rules.advance_total_maximum(body, contract_amount)
    if advance_amount + guarantee > total:
        raise AmendmentRefused(
            f"前払金保証金額（{yen(advance_amount)}）と中間前払金保証金額の合計は、請負金額の"
            f"{rate(body.advance_total_ratio_limit)}（{yen(total)}）以内で入力してください。",
            field="guarantee_amount",
        )
