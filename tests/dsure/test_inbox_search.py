"""受領済み電子証書一覧: a 受注者 column, a search by number, 工事名 or 受注者, and the same list as CSV."""

import csv
import io

import pytest

from dsure.models import Certificate, PostedVersion
from tests.dsure.conftest import BODY_P, BODY_Q, KEY_P, KEY_Q, NUMBER_P, NUMBER_Q, lookup, make_number, post
from tests.dsure.test_inbox import INBOX, inbox, rows

NUMBER_P2 = make_number(2)
KEY_P2 = "Pp2RtW3mNa9F"
FORMULA = '=HYPERLINK("http://example.com","白馬土木")'


@pytest.fixture
def received(paul, official_q, frozen):
    """Two certificates in 小谷村's inbox (one amended to a new 工事名), and one of 栃木県's."""
    post(NUMBER_P, BODY_P, key=KEY_P)
    post(NUMBER_P2, BODY_P, key=KEY_P2, work_name="橋梁補修工事", contractor_name=FORMULA)
    post(
        NUMBER_P2,
        BODY_P,
        sequence=2,
        kind=PostedVersion.Kind.CHANGE,
        work_name="大網橋 橋梁補修工事",
        contractor_name=FORMULA,
        change_no=1,
    )
    post(NUMBER_Q, BODY_Q, key=KEY_Q, beneficiary="栃木県知事", contractor_name="那須野土木株式会社")
    for number, key in ((NUMBER_P, KEY_P), (NUMBER_P2, KEY_P2)):
        assert lookup(paul, number, key).status_code == 302
    Certificate.objects.filter(number=NUMBER_Q).update(first_viewed_at="2026-06-01T00:00:00Z")
    return paul


def numbers_in(html: str) -> list[str]:
    return sorted(n for n in (NUMBER_P, NUMBER_P2, NUMBER_Q) if any(n in row for row in rows(html)))


def test_the_inbox_has_a_contractor_column(received):
    html = inbox(received)
    assert '<th scope="col">受注者</th>' in html
    (row,) = [row for row in rows(html) if NUMBER_P in row]
    assert ">北アルプス建設株式会社</td>" in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("20108-00002", [NUMBER_P2]),  # part of the number
        ("２０１０８－００００１Ａ".replace("Ａ", ""), [NUMBER_P]),  # full-width, as copied from a PDF
        ("大網橋", [NUMBER_P2]),  # the current 工事名
        ("北アルプス", [NUMBER_P]),  # the 受注者
        ("那須野", []),  # another body's certificate is never found
        ("", [NUMBER_P, NUMBER_P2]),
    ],
)
def test_the_inbox_searches_number_work_name_and_contractor(received, query, expected):
    html = received.get(INBOX, {"q": query}).content.decode()
    assert '<label for="id_q">' in html
    assert numbers_in(html) == sorted(expected)
    if query:
        assert f'value="{query}"' in html


def test_a_search_that_finds_nothing_says_so(received):
    html = received.get(INBOX, {"q": "存在しない工事"}).content.decode()
    assert "該当する電子証書はありません。" in html


def test_the_csv_has_every_row_of_the_search_and_is_safe_to_open_in_a_spreadsheet(received):
    response = received.get("/dsure/inbox/csv/", {"q": "工事"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0] == [
        "保証契約番号",
        "商品名",
        "受注者",
        "工事名",
        "保証金額",
        "保証期限",
        "状態",
        "最終掲載日時",
    ]
    by_number = {row[0]: row for row in table[1:]}
    assert sorted(by_number) == [NUMBER_P, NUMBER_P2]
    assert by_number[NUMBER_P][2:7] == [
        "北アルプス建設株式会社",
        "中小谷地区道路改良工事",
        "20000000",
        "2027-03-19",
        "有効",
    ]
    assert by_number[NUMBER_P2][3] == "大網橋 橋梁補修工事"
    # A cell that a spreadsheet would run as a formula is written as text.
    assert by_number[NUMBER_P2][2] == "'" + FORMULA


def test_the_csv_link_keeps_the_search(received):
    html = received.get(INBOX, {"q": "大網橋"}).content.decode()
    assert 'href="/dsure/inbox/csv/?q=%E5%A4%A7%E7%B6%B2%E6%A9%8B"' in html


def test_another_portal_cannot_download_the_csv(client, contractor_a):
    client.force_login(contractor_a)
    assert client.get("/dsure/inbox/csv/").status_code in (302, 403)


def test_search_and_csv_of_1000_certificates_run_a_bounded_number_of_queries(
    paul, thousand, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        html = paul.get(INBOX, {"q": "工事09"}).content.decode()
    assert "1 / 5 ページ（100件）" in html
    with django_assert_max_num_queries(12):
        response = paul.get("/dsure/inbox/csv/")
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1001
