"""D-Sure test helpers: certificates posted the way issuers posts them (dsure.services.certificate_post
with a CertificateContent-shaped dict, the key's digest and a real PDF), and a lookup through the page."""

import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from reportlab.pdfgen import canvas

from common.contract_numbers import check_character
from dsure.digest import key_digest
from dsure.models import Body, Certificate, PostedVersion
from dsure.services import PostedBody, certificate_post

TOKYO = ZoneInfo("Asia/Tokyo")
KEY_P = "Z28YUE4J3Bux"  # the leaflet's example key
KEY_Q = "Kq7RtW3mNa9F"
BODY_P = PostedBody(code="204862", name="小谷村")
BODY_Q = PostedBody(code="090000", name="栃木県")


def make_number(serial: int, prefix: str = "20108") -> str:
    """A well-formed 保証契約番号 (長野支店 前払金保証 FY2026)."""
    digits = f"{prefix}{serial:05d}"
    return f"{prefix}-{serial:05d}{check_character(digits)}"


NUMBER_P = make_number(1)
NUMBER_Q = make_number(1, prefix="09108")
UNKNOWN_NUMBER = make_number(999)


def fullwidth(text: str) -> str:
    """ASCII letters, digits and "-" as their full-width forms (what a copy from some PDFs gives)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def pdf_bytes(text: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def content(number: str, body: PostedBody, **overrides) -> dict:
    """A dict shaped like issuers.content.CertificateContent."""
    beneficiary = {"204862": "小谷村長", "090000": "栃木県知事"}[body.code]
    data = {
        "number": number,
        "product": "advance",
        "product_name": "前払金保証",
        "format": "electronic",
        "change_no": 0,
        "issue_date": "2026-04-24",
        "contractor_address": "長野県北安曇郡小谷村大字中小谷1-2-3",
        "contractor_name": "北アルプス建設株式会社",
        "jv_name": "",
        "beneficiary": beneficiary,
        "ordering_body_name": body.name,
        "ordering_body_code": body.code,
        "guarantee_amount": 20_000_000,
        "guarantee_deadline": "2027-03-19",
        "guarantee_period_start": "",
        "work_name": "中小谷地区道路改良工事",
        "work_location": "長野県北安曇郡小谷村大字中小谷地内",
        "contract_amount": 50_000_000,
        "period_start": "2026-05-01",
        "period_end": "2027-03-19",
        "contract_date": "2026-04-24",
        "deposit_bank": "八十二銀行 小谷支店",
        "company_name": "東日本建設業保証株式会社",
        "company_address": "東京都中央区八丁堀2丁目27番10号",
        "company_president_title": "取締役社長",
        "company_president_name": "見本 一郎",
        "branch_name": "長野支店",
        "branch_tel": "026-226-7520",
        "branch_fax": "026-000-0000",
    }
    data.update(overrides)
    return data


def post(number, body, *, key=None, sequence=1, kind=PostedVersion.Kind.NEW, **overrides):
    return certificate_post(
        number=number,
        body=body,
        product_name="前払金保証",
        sequence=sequence,
        kind=kind,
        content=content(number, body, **overrides),
        pdf=pdf_bytes(f"SPECIMEN {number} version {sequence} {kind}"),
        key_digest=key_digest(number, key) if key else None,
    )


@pytest.fixture
def cert_p(db):
    """小谷村's certificate, key KEY_P."""
    return post(NUMBER_P, BODY_P, key=KEY_P).certificate


@pytest.fixture
def cert_q(db):
    """栃木県's certificate, key KEY_Q."""
    return post(NUMBER_Q, BODY_Q, key=KEY_Q, beneficiary="栃木県知事").certificate


@pytest.fixture
def paul(client, official_p):
    """A client logged in as official_p (小谷村)."""
    client.force_login(official_p)
    return client


@pytest.fixture
def quinn(client, official_q):
    """A client logged in as official_q (栃木県)."""
    client.force_login(official_q)
    return client


@pytest.fixture
def frozen():
    """Time stands still at 2026-06-01 10:00 in Tokyo; shift it with frozen.shift(timedelta)."""
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO), tick=False) as traveller:
        yield traveller


def lookup(client, number, key):
    return client.post("/dsure/", {"number": number, "key": key})


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(html: str) -> str:
    return _TOKEN.sub('name="csrfmiddlewaretoken" value=""', html)


@pytest.fixture
def thousand(official_p):
    """1,000 certificates of 小谷村 viewed once, the i-th posted i minutes after 2026-05-01 00:00 UTC;
    every tenth amended a day later."""
    body = Body.objects.get(code=BODY_P.code)
    start = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    numbers = [make_number(i) for i in range(1, 1001)]
    certificates = Certificate.objects.bulk_create(
        Certificate(
            number=number,
            body=body,
            product_name="前払金保証",
            key_digest="0" * 64,
            digest_version="v1",
            first_viewed_at=start + datetime.timedelta(hours=1),
        )
        for number in numbers
    )
    versions = []
    for i, (number, certificate) in enumerate(zip(numbers, certificates, strict=True), start=1):
        posted = start + datetime.timedelta(minutes=i)
        data = content(number, BODY_P, work_name=f"工事{i:04d}")
        versions.append(
            PostedVersion(
                certificate=certificate,
                sequence=1,
                kind=PostedVersion.Kind.NEW,
                content=data,
                posted_at=posted,
            )
        )
        if i % 10 == 0:
            versions.append(
                PostedVersion(
                    certificate=certificate,
                    sequence=2,
                    kind=PostedVersion.Kind.CHANGE,
                    content={**data, "change_no": 1, "guarantee_amount": 30_000_000},
                    posted_at=posted + datetime.timedelta(days=1),
                )
            )
    PostedVersion.objects.bulk_create(versions)
    return numbers
