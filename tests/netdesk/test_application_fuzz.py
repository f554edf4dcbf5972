"""Arbitrary text in every field of the application form never gives a 500 and never loses the draft:
the page comes back with messages (or goes on), the draft and its two product requests still exist,
and what was saved before survives wherever the new input did not convert."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netdesk.forms import ApplicationForm
from netdesk.models import Application, ProductRequest, Status
from tests.netdesk.application_data import NOW, valid_post

pytestmark = pytest.mark.django_db

FIELDS = list(ApplicationForm.base_fields)
ACTIONS = ["save", "confirm", "clear_products", "clear_information", "", "bogus"]

# Any text a browser could send: no lone surrogates (not encodable in UTF-8 form data).
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
tricky = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e9",
        "１２３",
        "２０，０００，０００円",
        "NaN",
        "9" * 30,
        "\x00",
        "<script>",
        "'; --",
        "2026-02-30",
    ]
)

FUZZ_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@FUZZ_SETTINGS
@given(
    values=st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, tricky), min_size=1, max_size=8),
    action=st.sampled_from(ACTIONS),
)
def test_any_input_is_answered_and_the_draft_survives(
    client, contractor_a, application_a, body_p, branch_x, values, action
):
    client.force_login(contractor_a)
    data = valid_post(body_p, branch_x, action=action, **values)
    response = client.post(f"/netdesk/applications/{application_a.pk}/edit/", data)
    assert response.status_code in (200, 302)
    assert Application.objects.filter(pk=application_a.pk).exists()
    assert ProductRequest.objects.filter(application=application_a).count() == 2
    # Typing never sends anything: only 「送信する」 on the confirm page does.
    assert set(ProductRequest.objects.filter(application=application_a).values_list("status", flat=True)) == {
        Status.DRAFT
    }
    if response.status_code == 200:
        page = response.content.decode()
        assert "<script>" not in page.replace('<script src="/static/js/application.js" defer></script>', "")


@FUZZ_SETTINGS
@given(values=st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, tricky), min_size=1, max_size=8))
def test_any_input_on_the_new_form_is_answered(client, contractor_a, body_p, branch_x, values):
    client.force_login(contractor_a)
    response = client.post("/netdesk/applications/new/", valid_post(body_p, branch_x, **values))
    assert response.status_code in (200, 302)


@FUZZ_SETTINGS
@given(amount=st.integers(min_value=1, max_value=10**13 - 1), commas=st.booleans(), wide=st.booleans())
def test_every_whole_yen_amount_is_read_back_exactly(
    client, contractor_a, application_a, body_p, branch_x, amount, commas, wide
):
    client.force_login(contractor_a)
    typed = f"{amount:,}" if commas else str(amount)
    if wide:
        typed = typed.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    client.post(
        f"/netdesk/applications/{application_a.pk}/edit/", valid_post(body_p, branch_x, contract_amount=typed)
    )
    application_a.refresh_from_db()
    assert application_a.contract_amount == amount
