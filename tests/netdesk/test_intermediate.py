"""中間前払金保証, the third product: applied for on an issued 前払金保証 of the same work, issued by the
branch with its own number series and a flat 0.065% fee, and verified in D-Sure like the others."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from dsure.models import Certificate
from issuers import services as issuers_services
from issuers.amendments import Amendment
from issuers.models import CertificateVersion, FeeStatement, GuaranteeContract, OrderingBody
from netdesk import rules, services
from netdesk.models import ProductRequest, Status
from tests.issuers.test_documents import pdf_text

# Half of the 工期 (2026-05-01 – 2027-03-19) has passed; the 認定 was given on 2026-11-10.
LATER = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)
CERTIFIED_ON = datetime.date(2026, 11, 10)


def advance_content(**overrides) -> dict:
    content = {
        "contract_amount": 50_000_000,
        "guarantee_amount": 20_000_000,
        "period_start": "2026-05-01",
        "period_end": "2027-03-19",
        "deposit_bank": "八十二銀行 小谷支店",
    }
    content.update(overrides)
    return content


def values(**overrides) -> dict:
    data = {
        "format": "electronic",
        "guarantee_amount": 10_000_000,
        "deposit_bank": "八十二銀行 小谷支店",
        "certification_date": CERTIFIED_ON,
        "certification_number": "小谷村指令第88号",
        "certification_document": None,
        "payment_method": "lump_sum",
        "fee_billing_to": "北アルプス建設株式会社",
        "fee_statement_paper": False,
    }
    data.update(overrides)
    return data


def body(**fields) -> OrderingBody:
    fields.setdefault("esurety_start", datetime.date(2026, 4, 1))
    return OrderingBody(code="204862", name="小谷村", head_title="小谷村長", prefecture="長野県", **fields)


def errors(data=None, *, advance="default", today=CERTIFIED_ON + datetime.timedelta(days=6), **body_fields):
    return rules.intermediate_errors(
        data or values(),
        advance=advance_content() if advance == "default" else advance,
        body=body(**body_fields),
        today=today,
    )


# -- the rules -------------------------------------------------------------------------------------------


def test_a_complete_application_within_every_limit_passes():
    assert errors() == {}


def test_up_to_two_tenths_of_the_contract_amount():
    assert errors(values(guarantee_amount=10_000_000)) == {}
    message = errors(values(guarantee_amount=10_000_001))["guarantee_amount"][0]
    assert "中間前払金保証金額は請負金額の20%（10,000,000 円）以内" in message


def test_with_the_first_advance_at_most_six_tenths():
    # 25M (5/10) of advance + 6M would be 6.2/10.
    found = errors(values(guarantee_amount=6_000_000), advance=advance_content(guarantee_amount=25_000_000))
    assert (
        "前払金保証金額（25,000,000 円）と中間前払金保証金額の合計は、請負金額の60%（30,000,000 円）以内"
        in (found["guarantee_amount"][0])
    )
    assert (
        errors(values(guarantee_amount=5_000_000), advance=advance_content(guarantee_amount=25_000_000)) == {}
    )


def test_the_certification_is_required_as_a_date_and_number_or_the_document():
    missing = errors(values(certification_date=None, certification_number=""))
    assert missing["certification_date"] == [rules.CERTIFICATION_MISSING_MESSAGE]
    assert "認定番号を入力してください" in errors(values(certification_number=""))["certification_number"][0]
    assert errors(values(certification_date=None, certification_number="", certification_document=True)) == {}


def test_the_certification_comes_after_half_of_the_period_and_not_in_the_future():
    early = errors(values(certification_date=datetime.date(2026, 9, 1)))["certification_date"][0]
    assert "工期の2分の1を経過した後" in early
    future = errors(values(certification_date=datetime.date(2026, 11, 30)))["certification_date"][0]
    assert future == "認定日に未来の日付は入力できません。"


def test_without_an_issued_first_advance_nothing_can_be_applied_for():
    assert errors(advance=None) == {"guarantee_amount": [rules.NO_ADVANCE_MESSAGE]}


def test_a_body_that_pays_no_intermediate_advance_refuses_it_clearly():
    assert errors(intermediate_paid=False) == {
        "guarantee_amount": ["小谷村は中間前金払を行っていないため、中間前払金保証は申し込めません。"]
    }


def test_the_bodys_thresholds_are_data():
    found = errors(
        values(guarantee_amount=1_000_000),
        advance=advance_content(contract_amount=9_000_000, guarantee_amount=3_000_000),
        intermediate_min_contract_amount=10_000_000,
    )
    assert found["guarantee_amount"] == [
        "小谷村の中間前金払は請負金額10,000,000 円以上の工事が対象です（この工事の請負金額は9,000,000 円）。"
    ]
    short = errors(
        advance=advance_content(period_start="2026-08-01", period_end="2026-12-27"),
        intermediate_min_period_days=150,
    )
    assert short["guarantee_amount"] == [
        "小谷村の中間前金払は工期150日以上の工事が対象です（この工事の工期は149日）。"
    ]


def test_electronic_only_where_the_body_takes_it_and_paper_only_where_it_still_accepts_it():
    not_yet = errors(esurety_start=datetime.date(2027, 4, 1))
    assert "電子保証の利用開始日" in not_yet["format"][0]
    no_paper = errors(values(format="paper"), paper_accepted=False)
    assert "紙の保証証書を受け付けていません" in no_paper["format"][0]


# -- through the pages and the services -------------------------------------------------------------------


def url(contract):
    return f"/netdesk/contracts/{contract.pk}/intermediate/new/"


def form(**overrides) -> dict:
    data = {
        "format": "electronic",
        "guarantee_amount": "10,000,000",
        "deposit_bank": "八十二銀行 小谷支店",
        "certification_date": "2026-11-10",
        "certification_number": "小谷村指令第88号",
        "payment_method": "lump_sum",
        "fee_billing_to": "北アルプス建設株式会社",
        "fee_statement_paper": "False",
    }
    data.update(overrides)
    return data


@pytest.fixture
def later(advance_a, time_machine):
    time_machine.move_to(LATER, tick=False)
    return advance_a


def apply(client, contractor, advance, **overrides):
    client.force_login(contractor)
    return client.post(url(advance), form(**overrides))


def intermediate_of(advance) -> ProductRequest:
    return ProductRequest.objects.select_related("contract").get(
        application__products__contract=advance, product="intermediate"
    )


def test_the_detail_of_an_issued_advance_offers_the_application_with_the_first_advances_bank(
    client, contractor_a, later, django_assert_max_num_queries
):
    client.force_login(contractor_a)
    with django_assert_max_num_queries(25):
        detail = client.get(f"/netdesk/contracts/{later.pk}/").content.decode()
    assert url(later) in detail
    with django_assert_max_num_queries(15):
        page = client.get(url(later)).content.decode()
    assert "中間前払金保証の申込" in page
    assert 'value="八十二銀行 小谷支店"' in page


def test_a_rule_refusal_is_shown_next_to_its_field_and_keeps_what_was_typed(client, contractor_a, later):
    response = apply(client, contractor_a, later, guarantee_amount="12,000,000")
    page = response.content.decode()
    assert response.status_code == 200
    assert "中間前払金保証金額は請負金額の20%（10,000,000 円）以内" in page
    assert 'value="12,000,000"' in page and 'value="小谷村指令第88号"' in page
    assert not ProductRequest.objects.filter(product="intermediate", requested=True).exists()


def test_a_body_that_pays_none_is_refused_on_the_page(client, contractor_a, later, body_p):
    OrderingBody.objects.filter(pk=body_p.pk).update(intermediate_paid=False)
    page = apply(client, contractor_a, later).content.decode()
    assert "小谷村は中間前金払を行っていないため、中間前払金保証は申し込めません。" in page


def test_a_revoked_first_advance_refuses_it(client, contractor_a, clerk_x, later):
    issuers_services.contract_revoke(contract=later, by=clerk_x, reason="請負契約の解除")
    page = apply(client, contractor_a, later).content.decode()
    assert rules.NO_ADVANCE_MESSAGE in page


def test_another_companys_advance_is_a_404(client, contractor_b, later):
    client.force_login(contractor_b)
    assert client.get(url(later)).status_code == 404
    assert client.post(url(later), form()).status_code == 404


def test_applied_issued_with_its_own_number_fee_and_documents(client, contractor_a, clerk_x, later):
    response = apply(client, contractor_a, later)
    assert response.status_code == 302
    request = intermediate_of(later)
    assert request.status == Status.SUBMITTED and request.requested
    assert request.application_id == ProductRequest.objects.get(contract=later).application_id
    # Sent once: a second POST (another tab) leads back to the application, never a second request.
    assert apply(client, contractor_a, later, guarantee_amount="9,000,000").status_code == 302
    assert ProductRequest.objects.filter(product="intermediate").count() == 1
    assert intermediate_of(later).guarantee_amount == 10_000_000

    contract = services.product_request_issue(product_request=request, by=clerk_x)
    assert contract.product == "intermediate"
    assert contract.number.startswith("20308-00001")  # 長野支店, digit 3, FY2026 (令和8)
    content = issuers_services.current_content(contract)
    assert content["advance_number"] == later.number
    assert content["guarantee_deadline"] == "2027-03-19"
    assert content["deposit_bank"] == "八十二銀行　小谷支店"  # stored full-width

    statement = FeeStatement.objects.get(contract=contract)
    assert statement.fee == 6_500  # ¥10M × 0.065%, whatever the period
    fee_text = pdf_text(statement.pdf.read())
    assert "10,000,000円×0.065%=6,500円" in fee_text
    assert "保証料は消費税の課税対象外です。" in fee_text

    certificate = pdf_text(contract.versions.get().pdf.read())
    assert "保証証書（中間前払金保証）" in certificate
    assert "前払金保証約款" in certificate
    assert later.number in certificate
    notice = pdf_text(contract.keys.get().notice_pdf.read())
    assert "中間前払金請求手続（中間前払金保証）" in notice
    assert contract.number in notice


def test_paper_for_the_intermediate_advance_beside_an_electronic_first_advance(
    client, contractor_a, clerk_x, later
):
    apply(client, contractor_a, later, format="paper")
    contract = services.product_request_issue(product_request=intermediate_of(later), by=clerk_x)
    assert contract.format == "paper" and later.format == "electronic"
    assert not contract.keys.exists()
    assert not Certificate.objects.filter(number=contract.number).exists()
    # …and never mixed within its own guarantee contract (Q5).
    with pytest.raises(services.AmendmentRefused, match="混在できません"):
        services.amendment_submit(
            product_request=intermediate_of(later),
            by=contractor_a,
            client_token=uuid.uuid4(),
            format="electronic",
            terms=Amendment(guarantee_amount=9_000_000),
        )


def test_an_attached_certification_document_stands_for_date_and_number(client, contractor_a, later):
    pdf = SimpleUploadedFile("認定調書.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = apply(
        client,
        contractor_a,
        later,
        certification_date="",
        certification_number="",
        certification_document=pdf,
    )
    assert response.status_code == 302
    stored = intermediate_of(later).certification_document
    assert stored and "認定調書" not in stored.name and stored.name.endswith(".pdf")


def test_a_certification_document_that_is_not_a_pdf_is_refused(client, contractor_a, later):
    text = SimpleUploadedFile("nintei.pdf", b"hello", content_type="application/pdf")
    page = apply(client, contractor_a, later, certification_document=text).content.decode()
    assert "認定調書はPDFファイルを添付してください。" in page


def test_the_branch_can_return_it_alone_and_the_contractor_apply_again(client, contractor_a, clerk_x, later):
    apply(client, contractor_a, later)
    application = intermediate_of(later).application
    services.application_return(application=application, by=clerk_x, message="認定番号をご確認ください。")
    assert intermediate_of(later).status == Status.RETURNED
    assert ProductRequest.objects.get(contract=later).status == Status.ISSUED
    page = client.get(url(later)).content.decode()
    assert "認定番号をご確認ください。" in page and 'value="10,000,000"' in page
    assert apply(client, contractor_a, later, certification_number="小谷村指令第89号").status_code == 302
    assert intermediate_of(later).status == Status.SUBMITTED


def test_dsure_shows_the_intermediate_certificate_and_the_api_names_the_product(
    client, contractor_a, clerk_x, official_p, later
):
    apply(client, contractor_a, later)
    contract = services.product_request_issue(product_request=intermediate_of(later), by=clerk_x)
    key = issuers_services.current_key(contract)
    client.force_login(official_p)
    response = client.post("/dsure/", {"number": contract.number, "key": key}, follow=True)
    page = response.content.decode()
    assert "電子証書（中間前払金保証）" in page
    assert "保証証書（中間前払金保証）" in page
    assert later.number in page

    from dsure.models import Body
    from dsure.services import api_client_create

    token = api_client_create(body=Body.objects.get(code="204862"), name="小谷村 電子契約システム")[1]
    client.logout()
    data = client.post(
        "/dsure/api/v1/verify",
        data={"number": contract.number, "key": key},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert data["product"] == "中間前払金保証"
    assert data["guarantee_amount"] == 10_000_000
    assert data["current"]["advance_number"] == later.number


def test_the_contractors_lists_show_and_filter_the_third_product(
    client, contractor_a, clerk_x, later, django_assert_max_num_queries
):
    apply(client, contractor_a, later)
    contract = services.product_request_issue(product_request=intermediate_of(later), by=clerk_x)
    with django_assert_max_num_queries(20):
        page = client.get("/netdesk/contracts/?product=intermediate").content.decode()
    assert contract.number in page and later.number not in page
    with django_assert_max_num_queries(20):
        applications = client.get("/netdesk/applications/").content.decode()
    assert "中間前払金保証" in applications and contract.number in applications
    with django_assert_max_num_queries(20):
        statements = client.get("/netdesk/fee-statements/").content.decode()
    assert "中間前払金保証" in statements or contract.number in statements
    with django_assert_max_num_queries(25):
        form_page = client.get(url(later))
    assert form_page.status_code == 302  # already applied: back to the application
    assert GuaranteeContract.objects.filter(product="intermediate").count() == 1


@pytest.fixture
def intermediate_contract(client, contractor_a, clerk_x, later):
    apply(client, contractor_a, later, guarantee_amount="8,000,000")
    return services.product_request_issue(product_request=intermediate_of(later), by=clerk_x)


def amend(contractor, request, **fields):
    return services.amendment_submit(
        product_request=request,
        by=contractor,
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(**fields),
    )


def test_a_change_stays_within_the_limits_and_costs_the_increase_at_the_flat_rate(
    contractor_a, clerk_x, later, intermediate_contract
):
    request = intermediate_of(later)
    with pytest.raises(services.AmendmentRefused, match="請負金額の20%（10,000,000 円）以内"):
        amend(contractor_a, request, guarantee_amount=10_500_000)
    amendment = amend(
        contractor_a, request, guarantee_amount=10_000_000, period_end=datetime.date(2027, 6, 30)
    )
    version = services.amendment_issue(amendment=amendment, by=clerk_x)
    assert version.change_no == 1
    statement = FeeStatement.objects.get(version=version)
    assert statement.fee == 1_300  # 2,000,000 × 0.065%; the longer term costs nothing more
    text = pdf_text(statement.pdf.read())
    assert "増額分2,000,000円×0.065%=1,300円" in text and "延長分" not in text
    stored = CertificateVersion.objects.get(pk=version.pk)
    assert "保証証書（中間前払金保証）" in pdf_text(stored.pdf.read())


def test_cancelled_change_and_revocation_as_for_the_others(
    contractor_a, clerk_x, later, intermediate_contract
):
    amendment = amend(contractor_a, intermediate_of(later), guarantee_amount=9_000_000)
    services.amendment_issue(amendment=amendment, by=clerk_x)
    issuers_services.contract_cancel_change(contract=intermediate_contract, by=clerk_x, reason="誤り")
    assert issuers_services.current_content(intermediate_contract)["guarantee_amount"] == 8_000_000
    issuers_services.contract_revoke(contract=intermediate_contract, by=clerk_x, reason="請負契約の解除")
    assert Certificate.objects.get(number=intermediate_contract.number).revoked_at is not None
    # The first advance is untouched by its intermediate advance's 取消.
    assert GuaranteeContract.objects.get(pk=later.pk).revoked_at is None


@override_settings(DEBUG=True)
def test_the_demo_gives_contractor1_an_issued_advance_where_the_intermediate_can_be_applied_for(db):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent: still one
    advance = ProductRequest.objects.select_related("contract", "application__ordering_body").get(
        application__company__members__user__username="contractor1", product="advance"
    )
    assert advance.status == Status.ISSUED and advance.contract.is_electronic
    body = advance.application.ordering_body
    assert body.name == "小谷村" and body.intermediate_min_contract_amount == 10_000_000
    today = timezone.localdate()
    data = values(certification_date=today, guarantee_amount=10_000_000)
    content = issuers_services.current_content(advance.contract)
    assert rules.intermediate_errors(data, advance=content, body=body, today=today) == {}
    assert OrderingBody.objects.get(name="富士見町").intermediate_paid is False


def test_the_public_list_of_bodies_says_which_pay_no_intermediate_advance(client, body_p, body_q):
    OrderingBody.objects.filter(pk=body_q.pk).update(intermediate_paid=False)
    page = client.get("/ordering-bodies/").content.decode()
    assert page.count("中間前払金保証: 工事の担当課") == 1
    assert "中間前金払なし（中間前払金保証は申し込めません）。" in page
