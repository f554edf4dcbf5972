"""The surety company's operations: issue a contract, amend it (変更), correct it (訂正), cancel a change
(変更取消), re-issue its key, withdraw the whole contract (取消). Views, admin actions, commands and
tests all call these.

Each runs in one transaction: number, key, immutable version, PDFs, fee statement, the posting to
D-Sure (issuers.postings) and the event rows commit together or not at all. E-mail leaves through the
outbox after commit; so does the posting when D-Sure is served elsewhere (DSURE_URL).
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

import audit
from common import certificates
from common.certificates import visible_history
from common.formats import yen_amount_error
from issuers import documents, dsure_client, fees, mail, postings, sealing
from issuers.amendments import Amendment
from issuers.content import CertificateContent
from issuers.errors import IssueError
from issuers.keys import decrypt_key, encrypt_key, generate_key
from issuers.models import (
    ADVANCE_PRODUCTS,
    Branch,
    CertificateFormat,
    CertificateVersion,
    ContractEvent,
    FeeRate,
    FeeStatement,
    GuaranteeContract,
    KeyIssue,
    OrderingBody,
    OutboundMail,
    Product,
)
from issuers.numbers import allocate_number
from seals.sealing import SealedPdf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuaranteeTerms:
    """What the requester hands over to issue one product: the terms as applied for.

    issuers does not know where they come from (Net Desk builds them from an application).
    """

    product: str
    format: str
    branch: Branch
    ordering_body: OrderingBody
    contractor_address: str
    contractor_name: str
    jv_name: str
    work_name: str
    work_location: str
    contract_amount: int
    period_start: datetime.date
    period_end: datetime.date
    contract_date: datetime.date
    guarantee_amount: int
    deposit_bank: str = ""
    notify_email: str = ""
    advance_number: str = ""  # 中間前払金保証: the first advance's 保証契約番号, printed on its certificate


def contract_issue(*, terms: GuaranteeTerms, by) -> GuaranteeContract:
    """Issue a new guarantee contract (新規): number, key (electronic), version 1, PDFs, fee, D-Sure."""
    now = timezone.now()
    _check_amounts(terms.guarantee_amount, terms.contract_amount)
    with transaction.atomic():
        number = allocate_number(branch=terms.branch, product=terms.product, on=timezone.localdate(now))
        contract = GuaranteeContract.objects.create(
            number=number,
            product=terms.product,
            format=terms.format,
            branch=terms.branch,
            ordering_body=terms.ordering_body,
            issued_at=now,
            issued_by=by,
        )
        content = _content_for_new(terms, number=number, now=now)
        certificate_pdf = _sealed(contract, documents.render_certificate(content), sealing.CERTIFICATE)
        key = generate_key() if contract.is_electronic else None
        version = _save_version(
            contract,
            sequence=1,
            kind=CertificateVersion.Kind.NEW,
            change_no=0,
            content=content,
            pdf=certificate_pdf,
            at=now,
            by=by,
        )
        if key is not None:
            _save_key(contract, key=key, content=content, at=now, by=by, reason="新規発行")
        _save_fee_statement(version, terms=terms, at=now)
        _record(contract, ContractEvent.Action.ISSUE, by, now, f"{contract.get_format_display()} 新規")
        if terms.notify_email and contract.is_electronic:
            # Over HTTP the key works in D-Sure only once the 新規 posting is taken: the notice waits.
            mail.queue_issued_mail(
                contract=contract, content=content, to=terms.notify_email, held=not dsure_client.embedded()
            )
        audit.record(
            action="contract.issue",
            summary=f"保証契約 {number} を発行（{contract.get_product_display()}・{contract.get_format_display()}）",
            obj=contract,
            by=by,
            number=number,
            product=contract.product,
            format=contract.format,
            branch=terms.branch.code,
            ordering_body=terms.ordering_body.code,
            guarantee_amount=terms.guarantee_amount,
        )
        _post(contract, version, by=by, key=key)
    logger.info("contract issued number=%s product=%s format=%s", number, contract.product, contract.format)
    return contract


PREVIEW_NUMBER = "（発行時に採番）"


@dataclass(frozen=True)
class IssuePreview:
    """What contract_issue would issue from `terms` today, before anything is numbered, posted or
    mailed: the certificate content (with PREVIEW_NUMBER for the number), the fee, and to whom the
    発行完了 e-mail would go. `refusal` is the reason contract_issue would refuse, if it would; a
    refusal known before the terms are read comes with no content."""

    content: CertificateContent | None
    fee: fees.FeeStatementData | None
    email_to: str
    refusal: str = ""


def contract_preview(*, terms: GuaranteeTerms, rate: FeeRate | None = None) -> IssuePreview:
    """The confirmation page's view of contract_issue(terms=…): the same content and fee computation,
    with no write. `rate` saves a query per row when a page previews several (the product's FeeRate)."""
    content = _content_for_new(terms, number=PREVIEW_NUMBER, now=timezone.now())
    electronic = terms.format == CertificateFormat.ELECTRONIC
    email_to = terms.notify_email if electronic else ""
    try:
        quote = _fee_quote(content, terms=terms, rate=rate or FeeRate.objects.get(product=terms.product))
    except IssueError as error:
        return IssuePreview(content=content, fee=None, email_to=email_to, refusal=str(error))
    return IssuePreview(
        content=content, fee=fees.FeeStatementData(content=content, quote=quote), email_to=email_to
    )


def contract_change(*, contract: GuaranteeContract, amendment: Amendment, by) -> CertificateVersion:
    """変更: a new version 変更N under the same number and key, posted to D-Sure like the first."""
    return _amend(contract, amendment, by, kind=CertificateVersion.Kind.CHANGE)


def contract_correct(
    *, contract: GuaranteeContract, amendment: Amendment, by, reason: str = ""
) -> CertificateVersion:
    """訂正: replaces the current version's content (a clerical error); adds no history entry. `reason`
    (the 訂正理由) is kept in the contract's events and the audit trail."""
    return _amend(contract, amendment, by, kind=CertificateVersion.Kind.CORRECTION, reason=reason)


def contract_cancel_change(*, contract: GuaranteeContract, by, reason: str) -> CertificateVersion:
    """変更取消: the latest change leaves the history and the previous version is current again.
    `reason` (why the change is withdrawn) is kept in the contract's events and the audit trail."""
    now = timezone.now()
    with transaction.atomic():
        contract = _locked_in_force(contract)
        versions = list(contract.versions.all())
        history = visible_history(versions)
        if len(history) < 2:
            raise IssueError("取り消せる変更がありません（新規の保証証書は変更取消できません）。")
        cancelled = history[-1].entry
        sequence = versions[-1].sequence + 1
        version = _save_version(
            contract,
            sequence=sequence,
            kind=CertificateVersion.Kind.CANCELLATION,
            change_no=cancelled.change_no,
            content={},
            pdf=None,
            at=now,
            by=by,
            target=cancelled,
        )
        _record(
            contract, ContractEvent.Action.CANCELLATION, by, now, f"変更{cancelled.change_no}を取消：{reason}"
        )
        audit.record(
            action="contract.cancel_change",
            summary=f"{contract.number} の変更{cancelled.change_no}を取消",
            obj=contract,
            by=by,
            number=contract.number,
            sequence=sequence,
            cancelled_sequence=cancelled.sequence,
            change_no=cancelled.change_no,
            reason=reason,
        )
        _post(contract, version, by=by)
    return version


def key_reissue(*, contract: GuaranteeContract, by, reason: str) -> str:
    """A new 認証キー (a leaked key, or a number locked after repeated failures in D-Sure). The old key
    stops working at once; the contractor gets a new notice PDF. Returns the new key."""
    if not contract.is_electronic:
        raise IssueError("証書(紙)の保証契約には認証キーがありません。")
    now = timezone.now()
    with transaction.atomic():
        contract = _locked_in_force(contract)
        key = generate_key()
        content = current_content(contract)
        _save_key(contract, key=key, content=content, at=now, by=by, reason=reason)
        postings.posting_queue(contract=contract, kind=postings.KEY_REISSUE, by=by, key=key)
        _record(contract, ContractEvent.Action.KEY_REISSUE, by, now, reason)
        # Never the key itself: only that it was replaced, and why.
        audit.record(
            action="key.reissue",
            summary=f"{contract.number} の認証キーを再発行",
            obj=contract,
            by=by,
            number=contract.number,
            reason=reason,
        )
    return key


def contract_revoke(*, contract: GuaranteeContract, by, reason: str) -> GuaranteeContract:
    """取消: the whole guarantee contract is withdrawn (e.g. the works contract was cancelled). Nothing
    issued is touched: the versions and PDFs stay as they were, D-Sure is told, and from then on the
    status reads 取消 on Net Desk and D-Sure and no 変更, 訂正 or key re-issue is accepted."""
    if not reason.strip():
        raise IssueError("取消の理由を入力してください。")
    now = timezone.now()
    with transaction.atomic():
        contract = _locked_in_force(contract)
        contract.revoked_at, contract.revoked_by, contract.revocation_reason = now, by, reason.strip()
        contract.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        _record(contract, ContractEvent.Action.REVOCATION, by, now, f"取消：{contract.revocation_reason}")
        if contract.is_electronic:
            postings.posting_queue(contract=contract, kind=postings.REVOCATION, by=by, at=now)
        audit.record(
            action="contract.revoke",
            summary=f"保証契約 {contract.number} を取消",
            obj=contract,
            by=by,
            number=contract.number,
            reason=contract.revocation_reason,
            posted_to_dsure=contract.is_electronic,
        )
    return contract


def issued_mail_resend(*, contract: GuaranteeContract, by) -> None:
    """再送: 「発行完了のお知らせ」 once more, to the address the contractor gave for the first one, with
    the certificate as it reads now. Never the key. Refused when no notice was asked for, and while a
    posting of the contract is not taken by D-Sure (掲載待ち, 掲載拒否): the e-mail says the certificate
    can be seen in D-Sure, which would not be true yet (the first one is held for the same reason)."""
    first = OutboundMail.objects.filter(dedup_key=mail.issued_dedup_key(contract)).first()
    if first is None:
        raise IssueError("この保証契約は発行完了のお知らせの送信を希望されていないため、再送できません。")
    now = timezone.now()
    with transaction.atomic():
        contract = _locked_in_force(contract)
        waiting = contract.postings.filter(posted_at__isnull=True).order_by("pk").first()
        if waiting is not None and waiting.refused_at is not None:
            raise IssueError(
                "D-Sureが掲載を拒否したため、発行完了のお知らせを再送できません。"
                "運用担当者に連絡し、D-Sureに掲載されてから再送してください。"
            )
        if waiting is not None:
            raise IssueError(
                "D-Sureへの掲載待ちのため、発行完了のお知らせを再送できません。"
                "D-Sureに掲載されてから再送してください。"
            )
        resends = contract.events.filter(action=ContractEvent.Action.MAIL).count()
        mail.queue_issued_mail(
            contract=contract, content=current_content(contract), to=first.to, resend=resends + 1
        )
        _record(contract, ContractEvent.Action.MAIL, by, now, "発行完了のお知らせを再送")
        audit.record(
            action="mail.resend",
            summary=f"{contract.number} の発行完了のお知らせを再送",
            obj=contract,
            by=by,
            number=contract.number,
        )


def current_key(contract: GuaranteeContract) -> str | None:
    """The live key in clear, for the contractor's own screens only (through key_view)."""
    latest = contract.keys.order_by("-sequence").first()
    return decrypt_key(latest.key_ciphertext) if latest else None


# -- reads worth a trace: the key shown, the key notice and a clerk's PDFs downloaded --------------------
# Recorded in the audit trail like the changes (who, when, from where), never with the key itself.


def key_view(*, contract: GuaranteeContract, by) -> str | None:
    """The live key for a person to read (Net Desk's 詳細); each showing is audited."""
    key = current_key(contract)
    if key is not None:
        audit.record(
            action="contract.key.view",
            summary=f"{contract.number} の認証キーを表示",
            obj=contract,
            by=by,
            number=contract.number,
        )
    return key


def key_notice_download(*, contract: GuaranteeContract, by) -> KeyIssue | None:
    """The latest key notice (its PDF carries the key), audited as downloaded; None if there is none."""
    notice = contract.keys.order_by("-sequence").first()
    if notice is not None:
        audit.record(
            action="contract.key_notice.download",
            summary=f"{contract.number} の「認証キー」のお知らせをダウンロード",
            obj=contract,
            by=by,
            number=contract.number,
            sequence=notice.sequence,
        )
    return notice


def document_download(*, contract: GuaranteeContract, document: str, by, **facts) -> None:
    """A clerk downloaded one of the contract's PDFs (document: a key of DOCUMENT_NAMES)."""
    audit.record(
        action="contract.pdf.download",
        summary=f"{contract.number} のPDF（{DOCUMENT_NAMES[document]}）をダウンロード",
        obj=contract,
        by=by,
        number=contract.number,
        document=document,
        **facts,
    )


DOCUMENT_NAMES = {
    "certificate": "保証証書",
    "fee_statement": "保証料計算書",
    "key_notice": "「認証キー」のお知らせ",
}


def current_content(contract: GuaranteeContract) -> CertificateContent:
    """The content the contract's certificate reads now (common.certificates.current_content)."""
    return certificates.current_content(contract.versions.all())


# -- the steps -------------------------------------------------------------------------------------


def _locked_in_force(contract: GuaranteeContract) -> GuaranteeContract:
    """The contract, locked for the rest of the transaction; refused once it was withdrawn (取消)."""
    contract = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
    if contract.revoked_at is not None:
        raise IssueError(f"保証契約 {contract.number} は取消済みのため、この操作はできません。")
    return contract


def _amend(contract, amendment: Amendment, by, *, kind, reason: str = "") -> CertificateVersion:
    now = timezone.now()
    with transaction.atomic():
        contract = _locked_in_force(contract)
        versions = list(contract.versions.all())
        history = visible_history(versions)
        current = history[-1]
        change_no = len(history) if kind == CertificateVersion.Kind.CHANGE else current.change_no
        content = _amended_content(contract, current.shown.content, amendment, change_no=change_no, now=now)
        if kind == CertificateVersion.Kind.CHANGE and _same_terms(content, current.shown.content):
            raise IssueError("変更する項目がありません。")
        sequence = versions[-1].sequence + 1
        pdf = _sealed(contract, documents.render_certificate(content), sealing.CERTIFICATE)
        version = _save_version(
            contract,
            sequence=sequence,
            kind=kind,
            change_no=change_no,
            content=content,
            pdf=pdf,
            at=now,
            by=by,
            target=current.shown if kind == CertificateVersion.Kind.CORRECTION else None,
        )
        if kind == CertificateVersion.Kind.CHANGE:
            _save_additional_fee_statement(version, before=current.shown.content, at=now)
        action = (
            ContractEvent.Action.CHANGE
            if kind == CertificateVersion.Kind.CHANGE
            else ContractEvent.Action.CORRECTION
        )
        what = f"{version.get_kind_display()}（変更の発生番号 {change_no}）"
        _record(contract, action, by, now, f"{what}：{reason}" if reason else what)
        audit.record(
            action="contract.change" if kind == CertificateVersion.Kind.CHANGE else "contract.correct",
            summary=f"{contract.number} を{version.get_kind_display()}（変更の発生番号 {change_no}）",
            obj=contract,
            by=by,
            number=contract.number,
            sequence=sequence,
            change_no=change_no,
            changes=amendment.changes(),
            reason=reason,
        )
        _post(contract, version, by=by)
    return version


def _content_for_new(terms: GuaranteeTerms, *, number: str, now) -> CertificateContent:
    branch, company, body = terms.branch, terms.branch.company, terms.ordering_body
    advance = terms.product in ADVANCE_PRODUCTS
    extra = {"advance_number": terms.advance_number} if terms.product == Product.INTERMEDIATE else {}
    return CertificateContent(
        number=number,
        product=terms.product,
        product_name=Product(terms.product).label,
        format=terms.format,
        change_no=0,
        issue_date=timezone.localdate(now).isoformat(),
        contractor_address=terms.contractor_address,
        contractor_name=terms.contractor_name,
        jv_name=terms.jv_name,
        beneficiary=body.head_title,
        ordering_body_name=body.name,
        ordering_body_code=body.code,
        guarantee_amount=terms.guarantee_amount,
        guarantee_deadline=terms.period_end.isoformat(),
        guarantee_period_start="" if advance else terms.period_start.isoformat(),
        work_name=terms.work_name,
        work_location=terms.work_location,
        contract_amount=terms.contract_amount,
        period_start=terms.period_start.isoformat(),
        period_end=terms.period_end.isoformat(),
        contract_date=terms.contract_date.isoformat(),
        deposit_bank=terms.deposit_bank if advance else "",
        company_name=company.name,
        company_address=company.address,
        company_president_title=company.president_title,
        company_president_name=company.president_name,
        branch_name=branch.name,
        branch_tel=branch.tel,
        branch_fax=branch.fax,
        **extra,
    )


def _amended_content(contract, current: CertificateContent, amendment: Amendment, *, change_no, now):
    content = dict(current)
    for field, value in amendment.changes().items():
        content[field] = value.isoformat() if isinstance(value, datetime.date) else value
    # The 保証期限 (前払金保証) and 保証期間 (契約保証) follow the 工期; they move only by amendment.
    content["guarantee_deadline"] = content["period_end"]
    if contract.product == Product.PERFORMANCE:
        content["guarantee_period_start"] = content["period_start"]
    if content["period_end"] < content["period_start"]:
        raise IssueError("工期の終期は始期以降の日付にしてください。")
    _check_amounts(content["guarantee_amount"], content["contract_amount"])
    if content["guarantee_amount"] > content["contract_amount"]:
        raise IssueError("保証金額は請負金額以下にしてください。")
    content["change_no"] = change_no
    content["issue_date"] = timezone.localdate(now).isoformat()
    return CertificateContent(**content)


_DOCUMENT_FIELDS = ("issue_date", "change_no")


def _check_amounts(*amounts: int) -> None:
    """The forms keep amounts within common.formats.MAX_YEN; so does every other way in (commands,
    tests, a future API): an amount beyond it would reach the PDF, D-Sure and the API's JSON."""
    for amount in amounts:
        if error := yen_amount_error(amount):
            raise IssueError(error)


def _same_terms(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in _DOCUMENT_FIELDS} == {
        k: v for k, v in b.items() if k not in _DOCUMENT_FIELDS
    }


def _post(contract, version, *, by, key=None) -> None:
    """Post a new version to D-Sure (electronic contracts only): at once, or through the outbox."""
    if contract.is_electronic:
        postings.posting_queue(contract=contract, kind=version.kind, by=by, version=version, key=key)


def _save_version(contract, *, sequence, kind, change_no, content, pdf, at, by, target=None):
    version = CertificateVersion(
        contract=contract,
        sequence=sequence,
        kind=kind,
        change_no=change_no,
        target=target,
        content=content,
        issued_at=at,
        issued_by=by,
    )
    if pdf is not None:
        version.pdf.save(f"{contract.number}-{sequence}.pdf", ContentFile(pdf.data), save=False)
        version.seal_digest = pdf.seal_digest
    version.save()
    return version


def _save_key(contract, *, key, content, at, by, reason):
    sequence = contract.keys.count() + 1
    issue = KeyIssue(
        contract=contract,
        sequence=sequence,
        key_ciphertext=encrypt_key(key),
        issued_at=at,
        issued_by=by,
        reason=reason,
    )
    notice = _sealed(contract, documents.render_key_notice(content, key), sealing.KEY_NOTICE)
    issue.notice_pdf.save(f"{contract.number}-key-{sequence}.pdf", ContentFile(notice.data), save=False)
    issue.save()
    return issue


def _fee_quote(content: CertificateContent, *, terms: GuaranteeTerms, rate: FeeRate) -> fees.FeeQuote:
    start, end = fees.fee_period(content)
    if end < start:
        raise IssueError("保証期限（工期の終期）を過ぎているため発行できません。")
    return fees.compute_fee(
        product=terms.product, guarantee_amount=terms.guarantee_amount, start=start, end=end, rate=rate
    )


def _save_fee_statement(version: CertificateVersion, *, terms: GuaranteeTerms, at):
    quote = _fee_quote(version.content, terms=terms, rate=FeeRate.objects.get(product=terms.product))
    statement = FeeStatement(
        contract=version.contract,
        version=version,
        guarantee_amount=terms.guarantee_amount,
        days=quote.days,
        annual_rate=quote.annual_rate,
        minimum_fee=quote.minimum_fee,
        fee=quote.fee,
        illustrative=quote.illustrative,
        issued_at=at,
    )
    pdf = _sealed(
        version.contract,
        documents.render_fee_statement(fees.FeeStatementData(content=version.content, quote=quote)),
        sealing.FEE_STATEMENT,
    )
    statement.pdf.save(
        f"{version.contract.number}-fee-{version.sequence}.pdf", ContentFile(pdf.data), save=False
    )
    statement.save()
    return statement


def _save_additional_fee_statement(version: CertificateVersion, *, before: CertificateContent, at):
    """The 保証料計算書 of a 変更 that raises the 保証金額 or moves the 保証期限 later (追加保証料)."""
    rate = FeeRate.objects.get(product=version.contract.product)
    additional = fees.additional_fee(before=before, after=version.content, rate=rate)
    if additional is None:
        return None
    data = fees.FeeStatementData(
        content=version.content, quote=additional.parts[0].quote, additional=additional
    )
    statement = FeeStatement(
        contract=version.contract,
        version=version,
        guarantee_amount=version.content["guarantee_amount"],
        days=max(part.quote.days for part in additional.parts),
        annual_rate=rate.annual_rate,
        minimum_fee=0,
        fee=additional.fee,
        illustrative=rate.illustrative,
        issued_at=at,
    )
    pdf = _sealed(version.contract, documents.render_fee_statement(data), sealing.FEE_STATEMENT)
    statement.pdf.save(
        f"{version.contract.number}-fee-{version.sequence}.pdf", ContentFile(pdf.data), save=False
    )
    statement.save()
    return statement


def _sealed(contract, pdf: bytes, document: sealing.SealedDocument) -> SealedPdf:
    """Every issued PDF carries the issuing company's e-seal (PAdES B-LT), applied to the rendered bytes."""
    return sealing.seal_document(pdf, company=contract.branch.company, document=document)


def _record(contract, action, by, at, detail=""):
    ContractEvent.objects.create(contract=contract, action=action, by=by, at=at, detail=detail)
