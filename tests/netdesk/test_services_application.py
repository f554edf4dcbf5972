"""netdesk.services for applications: every transition checks the current 手続状況, refuses with a
Japanese TransitionError otherwise, and writes one event row per product request it moves."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from netdesk import services
from netdesk.models import Application, ApplicationEvent, ProductRequest, Status
from tests import factories
from tests.netdesk.application_data import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def statuses(application):
    return dict(ProductRequest.objects.filter(application=application).values_list("product", "status"))


def events(application, action):
    return list(
        ApplicationEvent.objects.filter(application=application, action=action)
        .order_by("product_request__product")
        .values_list("product_request__product", "from_status", "to_status", "by__username", "message")
    )


@pytest.fixture
def submitted(application_a, contractor_a):
    services.application_submit(application=application_a, by=contractor_a)
    return application_a


# -- create / draft ------------------------------------------------------------------------------------


def test_create_is_idempotent_per_client_token(company_a, contractor_a):
    token = uuid.uuid4()
    first = services.application_create(company=company_a, by=contractor_a, client_token=token)
    second = services.application_create(company=company_a, by=contractor_a, client_token=token)
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert sorted(first.products.values_list("product", "status", "requested", "fee_billing_to")) == [
        ("advance", Status.DRAFT, False, company_a.name),
        ("performance", Status.DRAFT, False, company_a.name),
    ]
    assert (first.contractor_address, first.contractor_name) == (company_a.address, company_a.name)
    assert ApplicationEvent.objects.filter(application=first, action="create").count() == 1


def test_create_with_another_companys_token_is_refused(application_a, company_b, contractor_b):
    with pytest.raises(LookupError):
        services.application_create(
            company=company_b, by=contractor_b, client_token=application_a.client_token
        )


def test_save_draft_stores_only_the_given_fields(application_a, contractor_a):
    services.application_save_draft(
        application=application_a,
        data={"work_name": "変更後", "advance_guarantee_amount": 19_000_000},
        by=contractor_a,
    )
    application_a.refresh_from_db()
    assert application_a.work_name == "変更後"
    assert application_a.contract_amount == 50_000_000
    assert (
        ProductRequest.objects.get(application=application_a, product="advance").guarantee_amount
        == 19_000_000
    )


def test_save_draft_is_refused_after_sending(submitted, contractor_a):
    with pytest.raises(services.TransitionError, match="送信済みのため変更できません"):
        services.application_save_draft(application=submitted, data={"work_name": "x"}, by=contractor_a)


def test_clear_section_is_refused_after_sending(submitted, contractor_a):
    with pytest.raises(services.TransitionError):
        services.application_clear_section(application=submitted, section="products", by=contractor_a)
    assert ProductRequest.objects.get(application=submitted, product="advance").guarantee_amount == 20_000_000


# -- submit --------------------------------------------------------------------------------------------


def test_submit_moves_each_requested_product_and_records_it(application_a, contractor_a):
    assert services.application_submit(application=application_a, by=contractor_a) is True
    assert statuses(application_a) == {"advance": Status.SUBMITTED, "performance": Status.SUBMITTED}
    application_a.refresh_from_db()
    assert application_a.submitted_at == timezone.now()
    assert events(application_a, "submit") == [
        ("advance", Status.DRAFT, Status.SUBMITTED, "alice", ""),
        ("performance", Status.DRAFT, Status.SUBMITTED, "alice", ""),
    ]


def test_a_second_submit_changes_nothing_and_says_so(submitted, contractor_a):
    assert services.application_submit(application=submitted, by=contractor_a) is False
    assert len(events(submitted, "submit")) == 2


def test_submit_revalidates_the_whole_draft(application_a, contractor_a):
    Application.objects.filter(pk=application_a.pk).update(contract_amount=10_000_000)
    with pytest.raises(services.ApplicationInvalid) as raised:
        services.application_submit(application=application_a, by=contractor_a)
    assert "advance_guarantee_amount" in raised.value.errors
    assert "入力内容に誤りがあります" in str(raised.value)
    assert statuses(application_a) == {"advance": Status.DRAFT, "performance": Status.DRAFT}
    assert not events(application_a, "submit")


def test_submit_refuses_electronic_before_the_bodys_start(application_a, contractor_a, time_machine):
    time_machine.move_to("2026-03-01T10:00:00+09:00")
    with pytest.raises(services.ApplicationInvalid) as raised:
        services.application_submit(application=application_a, by=contractor_a)
    assert set(raised.value.errors) >= {"advance_format", "performance_format"}


def test_submit_of_a_withdrawn_application_is_refused(submitted, contractor_a):
    services.application_withdraw(application=submitted, by=contractor_a)
    with pytest.raises(services.TransitionError, match="取り下げられている"):
        services.application_submit(application=submitted, by=contractor_a)


# -- withdraw ------------------------------------------------------------------------------------------


def test_withdraw_while_submitted(submitted, contractor_a):
    services.application_withdraw(application=submitted, by=contractor_a)
    assert statuses(submitted) == {"advance": Status.WITHDRAWN, "performance": Status.WITHDRAWN}
    assert [e[1:3] for e in events(submitted, "withdraw")] == [(Status.SUBMITTED, Status.WITHDRAWN)] * 2


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.DRAFT, "送信済み（申込済）の申込だけが取り下げできます。"),
        (Status.RETURNED, "送信済み（申込済）の申込だけが取り下げできます。"),
        (Status.REVIEWING, "審査が始まっているため取り下げできません"),
        (Status.WITHDRAWN, "すでに取り下げられています"),
    ],
)
def test_withdraw_is_refused_in_other_states(application_a, contractor_a, status, message):
    ProductRequest.objects.filter(application=application_a).update(status=status)
    with pytest.raises(services.TransitionError, match=message):
        services.application_withdraw(application=application_a, by=contractor_a)
    assert set(statuses(application_a).values()) == {status}


def test_withdraw_is_refused_once_a_product_is_issued(submitted, contractor_a, clerk_x, fee_rates):
    advance = ProductRequest.objects.get(application=submitted, product="advance")
    services.product_request_issue(product_request=advance, by=clerk_x)
    with pytest.raises(services.TransitionError, match="取り下げできません"):
        services.application_withdraw(application=submitted, by=contractor_a)


# -- the branch's review -------------------------------------------------------------------------------


def test_review_start(submitted, clerk_x):
    services.application_review_start(application=submitted, by=clerk_x)
    assert statuses(submitted) == {"advance": Status.REVIEWING, "performance": Status.REVIEWING}
    assert [e[1:4] for e in events(submitted, "review_start")] == [
        (Status.SUBMITTED, Status.REVIEWING, "xavier")
    ] * 2


@pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEWING, Status.RETURNED, Status.WITHDRAWN])
def test_review_start_is_refused_unless_submitted(application_a, clerk_x, status):
    ProductRequest.objects.filter(application=application_a).update(status=status)
    with pytest.raises(services.TransitionError, match="審査を開始できません"):
        services.application_review_start(application=application_a, by=clerk_x)
    assert not events(application_a, "review_start")


@pytest.mark.parametrize("reviewing", [False, True])
def test_return_makes_it_editable_with_the_notice(submitted, clerk_x, contractor_a, reviewing):
    if reviewing:
        services.application_review_start(application=submitted, by=clerk_x)
    services.application_return(application=submitted, by=clerk_x, message="  工期をご確認ください。 ")
    submitted.refresh_from_db()
    assert submitted.notice_from_company == "工期をご確認ください。"
    assert statuses(submitted) == {"advance": Status.RETURNED, "performance": Status.RETURNED}
    assert [e[4] for e in events(submitted, "return")] == ["工期をご確認ください。"] * 2
    # editable and resubmittable
    services.application_save_draft(application=submitted, data={"work_name": "修正後"}, by=contractor_a)
    assert services.application_submit(application=submitted, by=contractor_a) is True
    assert statuses(submitted) == {"advance": Status.SUBMITTED, "performance": Status.SUBMITTED}
    assert [e[1] for e in events(submitted, "submit")].count(Status.RETURNED) == 2


def test_return_needs_a_message(submitted, clerk_x):
    with pytest.raises(services.TransitionError, match="差戻しの理由"):
        services.application_return(application=submitted, by=clerk_x, message="   ")
    assert statuses(submitted)["advance"] == Status.SUBMITTED


def test_return_is_refused_for_a_draft(application_a, clerk_x):
    with pytest.raises(services.TransitionError, match="差し戻せません"):
        services.application_return(application=application_a, by=clerk_x, message="x")


def test_return_is_refused_once_a_product_is_issued(submitted, clerk_x, fee_rates):
    advance = ProductRequest.objects.get(application=submitted, product="advance")
    services.product_request_issue(product_request=advance, by=clerk_x)
    with pytest.raises(services.TransitionError, match="発行済の保証を含む申込は差し戻せません"):
        services.application_return(application=submitted, by=clerk_x, message="x")
    assert statuses(submitted) == {"advance": Status.ISSUED, "performance": Status.SUBMITTED}


def test_events_are_only_added(submitted, clerk_x, contractor_a):
    services.application_review_start(application=submitted, by=clerk_x)
    services.application_return(application=submitted, by=clerk_x, message="再確認")
    services.application_submit(application=submitted, by=contractor_a)
    actions = list(
        ApplicationEvent.objects.filter(application=submitted).order_by("pk").values_list("action", flat=True)
    )
    assert actions == [
        "submit",
        "submit",
        "review_start",
        "review_start",
        "return",
        "return",
        "submit",
        "submit",
    ]


# -- real concurrency (PostgreSQL) ---------------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks under real concurrency need PostgreSQL (set DATABASE_URL)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_send_it_once(company_a, contractor_a, body_p, branch_x):
    application = factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_p, branch=branch_x
    )

    def submit(_):
        try:
            return services.application_submit(application=application, by=contractor_a)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(submit, range(8)))
    assert results.count(True) == 1
    assert ApplicationEvent.objects.filter(application=application, action="submit").count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_double_post_of_the_new_form_at_once_makes_one_draft(company_a, contractor_a):
    token = uuid.uuid4()

    def create(_):
        try:
            return services.application_create(company=company_a, by=contractor_a, client_token=token).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        pks = set(pool.map(create, range(8)))
    assert len(pks) == 1
    assert Application.objects.count() == 1
    assert ProductRequest.objects.count() == 2
