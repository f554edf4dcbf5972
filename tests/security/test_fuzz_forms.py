"""Hypothesis drives every form through the test client: never a server error, never a lost draft.

tests/netdesk/test_application_fuzz.py already sends arbitrary text to the application form and checks
that it answers and that the draft and its two product requests survive. This file adds, for the same
form, the field-by-field property (every field is either stored exactly as the form converted it or
left as it was, and a re-rendered form shows what was typed), submitting arbitrary drafts, and every
other form: 変更の申込, the D-Sure lookup, the three logins (with an arbitrary `next`), and the
clerks' inputs in the admin (差戻し messages, 訂正, 認証キー再発行 and 変更取消 reasons, the list
actions' selection).

The test client re-raises any exception a view lets through, so a 500 fails the example with it.
"""

import datetime
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django import forms as django_forms
from django.db import connection
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsure.models import LookupAttempt
from issuers import services as issuers_services
from issuers.admin import CorrectionForm
from issuers.amendments import Amendment
from issuers.models import CertificateVersion, GuaranteeContract, KeyIssue
from netdesk import rules, services
from netdesk.contract_forms import AmendmentForm
from netdesk.forms import ApplicationForm
from netdesk.models import AmendmentRequest, Application, ApplicationEvent, ProductRequest, Status
from tests import factories
from tests.netdesk.application_data import valid_post
from tests.security.test_authorization_matrix import diff, snapshot

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- what gets typed ------------------------------------------------------------------------------------

# Anything a browser can send in a form (lone surrogates cannot be encoded in UTF-8).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
nasty = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "工事\x00名",
        "-1",
        "0",
        "-20,000,000",
        "9" * 30,
        "99999999999999999999",
        "１２３４５６７８",
        "２０，０００，０００円",
        "1e9",
        "NaN",
        "😀🏗️👷‍♀️",
        "<script>alert(1)</script>",
        "'; DROP TABLE netdesk_application; --",
        "{{ 7|add:7 }}",
        "\u202eevil",
        "あ" * 201,
        "x" * 2001,
        "\r\n\t",
        "0001-01-01",
        "1867-12-31",
        "9999-12-31",
        "2026-02-30",
        "2026/06/15",
        "２０２６－０６－１５",
        "令和8年6月15日",
    ]
)
huge_or_negative = st.integers(min_value=-(10**25), max_value=10**25).map(str)
any_date = st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(
    datetime.date.isoformat
)
typed = st.one_of(any_text, nasty, huge_or_negative, any_date)

APPLICATION_FIELDS = list(ApplicationForm.base_fields)
TEXT_WIDGETS = (django_forms.TextInput, django_forms.Textarea, django_forms.EmailInput)


def text_fields(form_class, **kwargs) -> set[str]:
    """Fields whose input is a text box: what was typed comes back in it."""
    form = form_class(**kwargs)
    return {
        name
        for name, field in form.fields.items()
        if isinstance(field.widget, TEXT_WIDGETS) and not isinstance(field.widget, django_forms.HiddenInput)
    }


def shows_typed(page: str, raw: str) -> bool:
    return escape(raw) in page


def input_value(page: str, name: str) -> str:
    """The value attribute of the input named `name` ("" when it has none)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', tag[0])
    return value[1] if value else ""


# -- the application form (Net Desk) ---------------------------------------------------------------------


def draft_state(application: Application) -> dict:
    application = Application.objects.get(pk=application.pk)
    return rules.application_snapshot(application, list(application.products.order_by("product")))


@FUZZ
@given(
    values=st.dictionaries(st.sampled_from(APPLICATION_FIELDS), typed, min_size=1, max_size=6),
    action=st.sampled_from(["save", "confirm"]),
)
def test_each_field_is_stored_as_converted_or_kept_and_shown_as_typed(
    client, now, contractor_a, application_a, body_p, branch_x, values, action
):
    client.force_login(contractor_a)
    url = f"/netdesk/applications/{application_a.pk}/edit/"
    assert client.post(url, valid_post(body_p, branch_x)).status_code == 302  # a known, valid draft
    before = draft_state(application_a)
    data = valid_post(body_p, branch_x, action=action, **values)

    response = client.post(url, data)

    assert response.status_code in (200, 302)
    form = ApplicationForm(data)
    form.is_valid()
    expected = {**before, **form.cleaned_data}  # what converted is stored, the rest stays as it was
    assert draft_state(application_a) == expected
    if response.status_code == 200:
        page = response.content.decode()
        for name in text_fields(ApplicationForm) & set(values):
            assert shows_typed(page, data[name]), name


@FUZZ
@given(values=st.dictionaries(st.sampled_from(APPLICATION_FIELDS), typed, max_size=6))
def test_a_new_application_is_created_once_per_form_whatever_was_typed(
    client, now, contractor_a, company_a, body_p, branch_x, values
):
    client.force_login(contractor_a)
    token = str(uuid.uuid4())
    data = valid_post(body_p, branch_x, client_token=token, **values)

    first = client.post("/netdesk/applications/new/", data)
    second = client.post("/netdesk/applications/new/", data)  # a double click, a resent form

    assert first.status_code in (200, 302) and second.status_code in (200, 302)
    drafts = Application.objects.filter(client_token=token)
    assert drafts.count() == 1
    assert drafts.get().company == company_a
    assert ProductRequest.objects.filter(application=drafts.get()).count() == 2


# A mix of valid alternatives and garbage, so that some drafts can be sent and others not.
plausible = {
    "contract_amount": st.sampled_from(["50,000,000", "20,000,000", "1", "0", "-5", "9" * 14]),
    "advance_guarantee_amount": st.sampled_from(["20,000,000", "50,000,001", "1", "", "abc"]),
    "performance_guarantee_amount": st.sampled_from(["5,000,000", "60,000,000", ""]),
    "period_start": st.sampled_from(["2026-06-15", "2027-04-01", "1999-01-01", ""]),
    "period_end": st.sampled_from(["2027-03-19", "2026-06-01", "2100-01-01", ""]),
    "contract_date": st.sampled_from(["2026-06-10", "2027-12-31", ""]),
    "advance_planned": st.sampled_from(["True", "False", "", "maybe"]),
    "advance_requested": st.sampled_from(["on", ""]),
    "performance_requested": st.sampled_from(["on", ""]),
    "advance_format": st.sampled_from(["electronic", "paper", "", "pdf"]),
    "ordering_body": st.sampled_from(["", "0", "abc", "999999999999999999999"]),
    "branch": st.sampled_from(["", "-1", "1.5"]),
    "email": st.sampled_from(
        ["soumu@example.com", "", "not-an-address", "ｓｏｕｍｕ＠ｅｘａｍｐｌｅ．ｃｏｍ"]
    ),
}


@FUZZ
@given(
    values=st.fixed_dictionaries(
        {}, optional={**plausible, **{name: typed for name in ("work_name", "jv_name")}}
    )
)
def test_submitting_an_arbitrary_draft_sends_all_of_it_or_nothing(
    client, now, contractor_a, company_a, body_p, branch_x, values
):
    client.force_login(contractor_a)
    draft = factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_p, branch=branch_x
    )
    client.post(f"/netdesk/applications/{draft.pk}/edit/", valid_post(body_p, branch_x, **values))
    before = draft_state(draft)
    valid = not rules.application_errors(before, today=now.date())

    shown = client.get(f"/netdesk/applications/{draft.pk}/confirm/")
    response = client.post(f"/netdesk/applications/{draft.pk}/confirm/")

    # The confirm page accepts exactly what submitting accepts.
    assert shown.status_code == (200 if valid else 302)
    assert response.status_code == 302
    requested = [p for p in draft.products.all() if p.requested]
    events = ApplicationEvent.objects.filter(application=draft, action="submit")
    if valid:
        assert response["Location"] == f"/netdesk/applications/{draft.pk}/done/"
        assert {p.status for p in requested} == {Status.SUBMITTED}
        assert events.count() == len(requested)
    else:
        assert response["Location"] == f"/netdesk/applications/{draft.pk}/edit/"
        assert {p.status for p in draft.products.all()} == {Status.DRAFT}
        assert not events.exists()
        assert draft_state(draft) == before


# -- 変更の申込 ---------------------------------------------------------------------------------------------

AMENDMENT_FIELDS = [
    "guarantee_amount",
    "contract_amount",
    "period_start",
    "period_end",
    "work_name",
    "deposit_bank",
    "format",
    "reason",
    "client_token",
]


@FUZZ
@given(values=st.dictionaries(st.sampled_from(AMENDMENT_FIELDS), typed, min_size=1, max_size=5))
def test_any_amendment_input_is_answered_and_the_contract_is_untouched(client, world, values):
    client.force_login(world.users["contractor_a"])
    # Only one 変更の申込 may be open at a time: close the world's (and an earlier example's).
    AmendmentRequest.objects.filter(status=Status.SUBMITTED).update(status=Status.RETURNED)
    contract = world.contract
    versions = list(CertificateVersion.objects.filter(contract=contract).values_list("pk", flat=True))
    requests = AmendmentRequest.objects.count()
    data = {
        "client_token": str(uuid.uuid4()),
        "format": "electronic",
        "guarantee_amount": "25,000,000",
        "contract_amount": "50,000,000",
        "period_start": "2026-05-01",
        "period_end": "2027-03-19",
        "work_name": "中小谷地区道路改良工事",
        "deposit_bank": "八十二銀行　小谷支店",
        "reason": "",
        **values,
    }

    response = client.post(f"/netdesk/contracts/{contract.pk}/amendments/new/", data)

    assert response.status_code in (200, 302, 404)  # 404: a token of another contract's request
    assert list(CertificateVersion.objects.filter(contract=contract).values_list("pk", flat=True)) == versions
    if response.status_code == 302:
        assert AmendmentRequest.objects.count() == requests + 1
        assert AmendmentRequest.objects.latest("pk").status == Status.SUBMITTED
    else:
        assert AmendmentRequest.objects.count() == requests
    if response.status_code == 200:
        page = response.content.decode()
        for name in text_fields(AmendmentForm, advance=True) & set(values):
            assert shows_typed(page, data[name]), name


# -- D-Sure lookup -----------------------------------------------------------------------------------------


@FUZZ
@given(number=st.one_of(typed, st.just("20108-00001")), key=st.one_of(typed, st.just("Z28YUE4J3Bux")))
def test_any_lookup_is_answered_recorded_at_most_once_and_never_echoes_the_key(client, world, number, key):
    client.force_login(world.users["official_p"])
    attempts = LookupAttempt.objects.count()
    if number == "20108-00001":
        number = world.contract.number  # the real number, with an arbitrary key

    response = client.post("/dsure/", {"number": number, "key": key})

    assert response.status_code in (200, 302, 429)
    assert LookupAttempt.objects.count() in (attempts, attempts + 1)
    if response.status_code == 302:
        assert key == world.key
        return
    page = response.content.decode()
    assert input_value(page, "key") == ""
    if number.strip():
        assert shows_typed(page, number)


# -- the logins --------------------------------------------------------------------------------------------

LOGINS = {"/netdesk/login/": "contractor_a", "/dsure/login/": "official_p", "/admin/login/": "clerk_x"}


@FUZZ
@given(login=st.sampled_from(sorted(LOGINS)), username=typed, password=typed)
def test_any_login_attempt_is_refused_with_the_form_again(world, login, username, password):
    client = Client()
    response = client.post(login, {"username": username, "password": password})

    assert response.status_code == 200
    page = response.content.decode()
    assert input_value(page, "password") == ""
    if username.strip() and len(username) <= 150:
        assert shows_typed(page, username)


redirect_targets = st.one_of(
    st.sampled_from(
        [
            "//evil.example/",
            "///evil.example",
            "https://evil.example/",
            "http://testserver@evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            " //evil.example",
            "\t//evil.example",
            "http:evil.example",
            "https:/evil.example",
            "javascript:alert(1)",
            "%2F%2Fevil.example",
            "/netdesk/contracts/",
            "/dsure/history/",
            "/admin/",
        ]
    ),
    any_text,
)


def is_local(location: str) -> bool:
    """Where a browser would go stays on this site: no scheme but http(s), no other host."""
    target = location.lstrip("".join(chr(c) for c in range(33))).replace("\\", "/")
    parts = urlsplit(target)
    return (
        parts.scheme in ("", "http", "https")
        and parts.netloc in ("", "testserver")
        and not (parts.scheme == "" and target.startswith("//"))
    )


@FUZZ
@given(login=st.sampled_from(sorted(LOGINS)), next_url=redirect_targets)
def test_a_successful_login_never_redirects_off_site(world, login, next_url):
    client = Client()
    user = world.users[LOGINS[login]]
    response = client.post(login, {"username": user.username, "password": "pw", "next": next_url})

    assert response.status_code == 302
    assert is_local(response["Location"]), response["Location"]


# -- the clerks' inputs in the admin -----------------------------------------------------------------------


@FUZZ
@given(message=typed)
def test_any_return_message_returns_the_application_or_keeps_it_with_the_text(
    client, world, company_a, contractor_a, body_p, branch_x, message
):
    client.force_login(world.users["clerk_x"])
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        submitted_at=world.issued.submitted_at,
        products__status=Status.SUBMITTED,
    )

    response = client.post(f"/admin/netdesk/application/{application.pk}/return/", {"message": message})

    statuses = set(application.products.values_list("status", flat=True))
    application.refresh_from_db()
    if response.status_code == 302:
        assert statuses == {Status.RETURNED}
        assert application.notice_from_company == message.strip()
    else:
        assert response.status_code == 200
        assert statuses == {Status.SUBMITTED}
        assert shows_typed(response.content.decode(), message)


@FUZZ
@given(message=typed)
def test_any_amendment_return_message_returns_it_or_keeps_it_with_the_text(client, world, message):
    client.force_login(world.users["clerk_x"])
    AmendmentRequest.objects.filter(status=Status.SUBMITTED).update(status=Status.RETURNED)
    amendment = services.amendment_submit(
        product_request=world.advance,
        by=world.users["contractor_a"],
        client_token=uuid.uuid4(),
        format="electronic",
        terms=Amendment(guarantee_amount=24_000_000),
    )

    response = client.post(f"/admin/netdesk/amendmentrequest/{amendment.pk}/return/", {"message": message})

    amendment.refresh_from_db()
    if response.status_code == 302:
        assert amendment.status == Status.RETURNED
    else:
        assert response.status_code == 200
        assert amendment.status == Status.SUBMITTED
        assert shows_typed(response.content.decode(), message)


CORRECTION_FIELDS = list(CorrectionForm.base_fields)


@FUZZ
@given(values=st.dictionaries(st.sampled_from(CORRECTION_FIELDS), typed, min_size=1, max_size=4))
def test_any_correction_input_corrects_exactly_or_changes_nothing(client, world, values):
    client.force_login(world.users["clerk_x"])
    contract = world.contract
    versions = contract.versions.count()
    before = issuers_services.current_content(contract)

    response = client.post(f"/admin/issuers/guaranteecontract/{contract.pk}/correct/", values)

    form = CorrectionForm(values, current=before)
    if response.status_code == 302:
        assert form.is_valid()
        assert contract.versions.count() == versions + 1
        after = issuers_services.current_content(contract)
        for name, value in form.cleaned_data.items():
            if name != "reason" and value not in ("", None):
                assert after[name] == (value.isoformat() if isinstance(value, datetime.date) else value)
    else:
        assert response.status_code == 200
        assert contract.versions.count() == versions
        assert issuers_services.current_content(contract) == before
        page = response.content.decode()
        for name in text_fields(CorrectionForm, current=before) & set(values):
            assert shows_typed(page, values[name]), name


@FUZZ
@given(reason=typed, operation=st.sampled_from(["reissue-key", "cancel-change"]))
def test_any_reason_is_answered_and_only_a_valid_one_acts(client, world, reason, operation):
    client.force_login(world.users["clerk_x"])
    contract = world.contract
    keys, versions = contract.keys.count(), contract.versions.count()
    state = snapshot()

    response = client.post(f"/admin/issuers/guaranteecontract/{contract.pk}/{operation}/", {"reason": reason})

    if response.status_code == 302:
        assert operation == "reissue-key"  # there is no change to cancel
        assert KeyIssue.objects.filter(contract=contract).count() == keys + 1
        assert KeyIssue.objects.filter(contract=contract).latest("sequence").reason == reason.strip()
    else:
        assert response.status_code == 200
        assert contract.versions.count() == versions and contract.keys.count() == keys
        assert diff(state, snapshot()) == []
        assert shows_typed(response.content.decode(), reason)


@FUZZ
@given(reason=typed)
def test_any_revocation_reason_is_answered_and_only_a_valid_one_withdraws(client, world, reason):
    client.force_login(world.users["clerk_x"])
    contract = GuaranteeContract.objects.get(pk=world.contract.pk)
    in_force = contract.revoked_at is None
    state = snapshot()

    response = client.post(f"/admin/issuers/guaranteecontract/{contract.pk}/revoke/", {"reason": reason})

    if response.status_code == 302:
        assert in_force  # a contract already withdrawn is never withdrawn twice
        contract.refresh_from_db()
        assert contract.revoked_at is not None and contract.revocation_reason == reason.strip()
    else:
        assert response.status_code == 200
        assert diff(state, snapshot()) == []
        assert shows_typed(response.content.decode(), reason)


selection = st.lists(st.one_of(typed, st.sampled_from(["1", "2", "3", "-1", "0"])), max_size=3)


@FUZZ
@given(
    action=st.sampled_from(["issue_all", "mark_reviewing", "delete_selected", "", "bogus"]),
    selected=selection,
    index=st.one_of(st.sampled_from(["0", "1"]), typed),
)
def test_any_list_action_input_is_answered_and_reaches_only_the_clerks_branch(world, action, selected, index):
    """Clerk Y posts the application queue's actions with any selection: nothing of branch X moves
    (B's application, sent to branch Y, may legitimately be reviewed or issued)."""
    client = Client()
    client.force_login(world.users["clerk_y"])
    branch_x = world.branch_x
    before = branch_state(branch_x)

    response = client.post(
        "/admin/netdesk/application/", {"action": action, "index": index, "_selected_action": selected}
    )

    assert response.status_code in (200, 302, 400)
    assert branch_state(branch_x) == before


def branch_state(branch) -> tuple:
    return (
        list(
            ProductRequest.objects.filter(application__branch=branch)
            .order_by("pk")
            .values_list("pk", "status")
        ),
        Application.objects.filter(branch=branch).count(),
        ApplicationEvent.objects.filter(application__branch=branch).count(),
        GuaranteeContract.objects.filter(branch=branch).count(),
    )


# -- the GET forms: filters, searches, pages ---------------------------------------------------------------

LIST_PAGES = [
    ("anonymous", "/ordering-bodies/", ["q"]),
    ("contractor_a", "/netdesk/contracts/", ["tab", "product", "ordering_body", "status", "page"]),
    ("contractor_a", "/netdesk/applications/", ["page"]),
    ("contractor_a", "/netdesk/fee-statements/", ["after", "before"]),
    ("official_p", "/dsure/", ["number"]),
    ("official_p", "/dsure/history/", ["page"]),
    (
        "clerk_x",
        "/admin/netdesk/application/",
        ["q", "status", "product", "ordering_body__id__exact", "o", "p"],
    ),
    (
        "clerk_x",
        "/admin/netdesk/amendmentrequest/",
        ["q", "status__exact", "requested_at__year", "requested_at__month", "o", "p"],
    ),
    (
        "clerk_x",
        "/admin/issuers/guaranteecontract/",
        ["q", "product__exact", "branch__id__exact", "issued_at__year", "issued_at__day"],
    ),
    (
        "clerk_x",
        "/admin/dsure/lookupattempt/",
        ["q", "result__exact", "official__body__id__exact", "at__year", "at__gte"],
    ),
]


@FUZZ
@given(
    page=st.sampled_from(LIST_PAGES),
    data=st.data(),
)
def test_any_filter_search_or_page_number_is_answered(world, page, data):
    persona, url, names = page
    query = data.draw(st.dictionaries(st.sampled_from(names), typed, min_size=1, max_size=3))
    client = Client()
    if world.users[persona] is not None:
        client.force_login(world.users[persona])

    response = client.get(url, query)

    # The admin answers an unknown filter value with a redirect to ?e=1.
    assert response.status_code in ((200, 302) if url.startswith("/admin/") else (200,))
    if response.status_code == 200 and persona == "clerk_x":
        assert "那須野地区舗装工事" not in response.content.decode()  # branch Y's application


def test_a_nul_byte_in_any_query_parameter_is_answered(world):
    """PostgreSQL refuses NUL in text: no parameter may carry one into a query."""
    for persona, url, names in LIST_PAGES:
        client = Client()
        if world.users[persona] is not None:
            client.force_login(world.users[persona])
        for name in names:
            response = client.get(url, {name: "小谷\x00村"})
            assert response.status_code in ((200, 302) if url.startswith("/admin/") else (200,)), (url, name)


def test_a_date_filter_before_year_one_in_utc_is_the_admins_redirect(world):
    """Found by the fuzzer: ?at__gte=00010101 is a valid date, but its midnight in Tokyo is before year 1
    in UTC and SQLite's query could not be built (OverflowError, a 500). PostgreSQL, which has years
    before 1, simply answers with an empty list."""
    client = Client()
    client.force_login(world.users["clerk_x"])
    response = client.get("/admin/dsure/lookupattempt/", {"at__gte": "00010101"})
    if connection.vendor == "sqlite":
        assert response.status_code == 302 and response.url.endswith("?e=1")
    else:
        assert response.status_code == 200
