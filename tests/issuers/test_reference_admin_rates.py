"""Ratios and rates in the admin read as a Japanese office worker reads them — 「40%」, 「0.250%」 — not
as the stored decimals (0.400, 0.00250); the edit form says in which unit to type them."""

import re
from decimal import Decimal

import pytest

from issuers.models import OrderingBody

RAW = re.compile(r"\b0\.\d{3,5}(?![\d%])")  # a stored decimal, not a percentage


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def cells(page: str) -> str:
    """The rendered rows and read-only values, without the page's scripts and styles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page)
    return re.sub(r"<[^>]+>", " ", page)


def test_the_clerk_reads_an_ordering_bodys_ratios_as_percentages(client, clerk_x, body_p):
    client.force_login(clerk_x)
    listing = cells(text(client.get("/admin/issuers/orderingbody/")))
    assert "40%" in listing and "10%" in listing
    assert not RAW.search(listing), RAW.search(listing)

    detail = text(client.get(f"/admin/issuers/orderingbody/{body_p.pk}/change/"))
    assert 'name="advance_ratio_limit"' not in detail  # the clerk only reads it
    shown = cells(detail)
    for label, value in [
        ("前払金の割合の上限", "40%"),
        ("契約保証の割合の下限", "10%"),
        ("中間前払金の割合の上限", "20%"),
        ("前払金と中間前払金の合計の上限", "60%"),
    ]:
        assert re.search(rf"{label}:? +{value}", shown), label
    assert not RAW.search(shown), RAW.search(shown)


def test_the_superuser_reads_fee_rates_as_percentages(client, superuser, fee_rates):
    client.force_login(superuser)
    listing = cells(text(client.get("/admin/issuers/feerate/")))
    assert "0.250%" in listing and "0.400%" in listing and "0.065%" in listing
    assert not RAW.search(listing), RAW.search(listing)


@pytest.mark.parametrize(
    ("field", "example"),
    [
        ("advance_ratio_limit", "0.4 = 40%"),
        ("performance_ratio_min", "0.1 = 10%"),
        ("intermediate_ratio_limit", "0.2 = 20%"),
        ("advance_total_ratio_limit", "0.6 = 60%"),
    ],
)
def test_the_edit_form_says_the_ratio_is_typed_as_a_decimal_with_the_fields_usual_value(
    client, superuser, body_p, field, example
):
    client.force_login(superuser)
    form = text(client.get(f"/admin/issuers/orderingbody/{body_p.pk}/change/"))
    help_text = re.search(rf'id="id_{field}_helptext"[^>]*>(.*?)</div>', form)[1]
    assert f"小数で入力します（{example}" in help_text


def test_a_ratio_typed_by_the_superuser_is_listed_as_a_percentage(client, superuser, body_p):
    OrderingBody.objects.filter(pk=body_p.pk).update(advance_ratio_limit=Decimal("0.333"))
    client.force_login(superuser)
    assert "33.3%" in cells(text(client.get("/admin/issuers/orderingbody/")))
