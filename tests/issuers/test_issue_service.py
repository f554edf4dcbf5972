"""issuers.services.contract_issue: one transaction gives a number, a key, an immutable version, PDFs,
a fee statement, a D-Sure posting and (after commit) the e-mail."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from common.contract_numbers import is_well_formed
from dsure import digest
from dsure.models import Certificate, LookupAttempt, PostedVersion
from issuers import services
from issuers.keys import KEY_ALPHABET
from issuers.models import CertificateVersion, ContractEvent, FeeStatement, KeyIssue, OutboundMail
from tests.issuers.helpers import terms

ISSUE_DAY = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


def pdf_text(field_file) -> str:
    field_file.open("rb")
    try:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(field_file.read())).pages)
    finally:
        field_file.close()


@pytest.fixture
def issued(time_machine, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks):
    time_machine.move_to(ISSUE_DAY, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x)
    return contract


def test_number_encodes_branch_product_and_fiscal_year_with_a_valid_check_character(issued):
    # 長野支店 "20", 前払金保証 "1", FY2026 = 令和8 → "08", first serial of the series.
    assert re.fullmatch(r"20108-00001[A-Z]", issued.number)
    assert is_well_formed(issued.number)


def test_electronic_issue_generates_a_12_character_key_without_look_alikes(issued):
    key = services.current_key(issued)
    assert len(key) == 12
    assert set(key) <= set(KEY_ALPHABET)
    assert not set(key) & set("0Oo1lI")


def test_the_key_is_stored_encrypted_only(issued):
    key = services.current_key(issued)
    stored = KeyIssue.objects.get(contract=issued)
    assert key not in stored.key_ciphertext


def test_version_one_freezes_every_field_of_the_certificate(issued):
    version = issued.versions.get()
    assert (version.sequence, version.kind, version.change_no) == (1, "new", 0)
    content = version.content
    assert content["number"] == issued.number
    assert content["beneficiary"] == "小谷村長"
    assert content["contractor_name"] == "北アルプス建設株式会社"
    assert content["guarantee_amount"] == 20_000_000
    assert content["guarantee_deadline"] == "2027-03-19"  # the 工期 end is the 保証期限
    assert content["deposit_bank"] == "八十二銀行 小谷支店"
    assert content["branch_name"] == "長野支店"
    assert content["company_name"] == "東日本建設業保証株式会社"
    assert content["issue_date"] == "2026-06-01"


def test_certificate_and_notice_pdfs_read_back_with_number_key_and_amounts(issued):
    certificate = pdf_text(issued.versions.get().pdf)
    assert issued.number in certificate
    assert "20,000,000" in certificate
    assert "小谷村長" in certificate
    notice = pdf_text(issued.keys.get().notice_pdf)
    assert issued.number in notice
    assert services.current_key(issued) in notice


def test_posted_to_dsure_with_a_digest_and_never_the_key(issued):
    key = services.current_key(issued)
    posted = Certificate.objects.get(number=issued.number)
    assert posted.body.code == "204862"
    assert digest.key_matches(issued.number, key, version=posted.digest_version, digest=posted.key_digest)
    assert key not in posted.key_digest
    version = PostedVersion.objects.get(certificate=posted)
    assert version.content == issued.versions.get().content
    assert issued.versions.get().posted_at == version.posted_at
    for model in (Certificate, PostedVersion, LookupAttempt):
        for row in model.objects.values():
            assert key not in str(row)


def test_fee_statement_is_produced(issued):
    statement = FeeStatement.objects.get(contract=issued)
    assert statement.fee >= statement.minimum_fee
    assert "保証料計算書" in pdf_text(statement.pdf)


def test_completion_mail_is_sent_after_commit_without_the_key(issued):
    key = services.current_key(issued)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["soumu@example.com"]
    assert "電子保証（認証キー）発行完了のお知らせ" in message.subject
    assert issued.number in message.body
    assert key not in message.body
    assert all(key not in body for body, _ in message.alternatives)
    assert OutboundMail.objects.get().sent_at is not None


def test_issue_is_recorded_with_who_and_when(issued, clerk_x):
    actions = list(ContractEvent.objects.filter(contract=issued).values_list("action", "by"))
    assert ("issue", clerk_x.pk) in actions
    assert ("post", clerk_x.pk) in actions


def test_issued_versions_cannot_be_changed_or_deleted(issued):
    version = issued.versions.get()
    version.content = {**version.content, "guarantee_amount": 1}
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    assert CertificateVersion.objects.get(pk=version.pk).content["guarantee_amount"] == 20_000_000


def test_paper_issue_has_no_key_no_posting_and_no_mail(
    time_machine, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks
):
    time_machine.move_to(ISSUE_DAY, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        contract = services.contract_issue(
            terms=terms(branch=branch_x, body=body_p, format="paper"), by=clerk_x
        )
    assert contract.versions.get().pdf
    assert not contract.keys.exists()
    assert services.current_key(contract) is None
    assert not Certificate.objects.filter(number=contract.number).exists()
    assert contract.versions.get().posted_at is None
    assert mail.outbox == []
    assert "電子的な取扱" not in pdf_text(contract.versions.get().pdf)


def test_serials_are_consecutive_within_a_series_and_independent_across_series(
    time_machine, fee_rates, branch_x, branch_y, body_p, clerk_x
):
    time_machine.move_to(ISSUE_DAY, tick=False)
    numbers = [
        services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x).number
        for _ in range(3)
    ]
    assert [n[6:11] for n in numbers] == ["00001", "00002", "00003"]
    performance = services.contract_issue(
        terms=terms(branch=branch_x, body=body_p, product="performance"), by=clerk_x
    )
    other_branch = services.contract_issue(terms=terms(branch=branch_y, body=body_p), by=clerk_x)
    assert performance.number.startswith("20208-00001")
    assert other_branch.number.startswith("09108-00001")


def test_fiscal_year_turns_in_april(time_machine, fee_rates, branch_x, body_p, clerk_x):
    time_machine.move_to(datetime.datetime(2027, 3, 31, 12, 0, tzinfo=datetime.UTC), tick=False)
    march = services.contract_issue(
        terms=terms(branch=branch_x, body=body_p, period_end=datetime.date(2027, 9, 30)), by=clerk_x
    )
    time_machine.move_to(datetime.datetime(2027, 4, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
    april = services.contract_issue(
        terms=terms(branch=branch_x, body=body_p, period_end=datetime.date(2027, 9, 30)), by=clerk_x
    )
    assert march.number.startswith("20108-")
    assert april.number.startswith("20109-00001")


def test_a_failed_issue_rolls_its_serial_back(time_machine, fee_rates, branch_x, body_p, clerk_x):
    time_machine.move_to(ISSUE_DAY, tick=False)
    past_deadline = terms(branch=branch_x, body=body_p, period_end=datetime.date(2026, 5, 31))
    with pytest.raises(services.IssueError):
        services.contract_issue(terms=past_deadline, by=clerk_x)
    assert (
        services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x).number[6:11] == "00001"
    )
