"""What 詳細's 電子保証情報（履歴情報） shows after 変更, 訂正 and 変更取消 in several orders: 訂正 replaces
the content of its entry (same No., same 対象), 変更取消 removes the change and makes the previous
version current again — 「※訂正、変更取消された履歴は表示されません。」"""

import datetime
import re

import pytest

from issuers import services as issuers_services
from tests.netdesk.contracts_helpers import NOW, change, correct, detail_url, history_rows


def cancel(contract, clerk):
    return issuers_services.contract_cancel_change(contract=contract, by=clerk, reason="誤った変更")


def amount_in(html: str) -> str:
    return re.search(r"<th scope=\"row\">保証金額（総額）</th><td>([^<]+)</td>", html).group(1)


def summary_amount(page: str) -> str:
    return re.search(r'<th scope="row">保証金額</th><td class="amount"[^>]*>([^<]+)</td>', page).group(1)


# Each operation runs one hour after the previous one, so a row's 電子保証発行日時 tells which posting
# it shows: 新規 at 19:00 Tokyo, then 20:00, 21:00, …
CASES = {
    "change": (
        [("change", 18)],
        [("新規", "19:00", 20), ("変更", "20:00", 18)],
    ),
    "correct_new": (
        [("correct", 19)],
        [("新規", "20:00", 19)],
    ),
    "change_then_correct": (
        [("change", 18), ("correct", 17)],
        [("新規", "19:00", 20), ("変更", "21:00", 17)],
    ),
    "change_then_cancel": (
        [("change", 18), ("cancel", None)],
        [("新規", "19:00", 20)],
    ),
    "two_changes_then_cancel": (
        [("change", 18), ("change", 16), ("cancel", None)],
        [("新規", "19:00", 20), ("変更", "20:00", 18)],
    ),
    "change_cancel_change": (
        [("change", 18), ("cancel", None), ("change", 15)],
        [("新規", "19:00", 20), ("変更", "22:00", 15)],
    ),
    "correct_change_cancel": (
        [("correct", 19), ("change", 18), ("cancel", None)],
        [("新規", "20:00", 19)],
    ),
    "change_correct_change_cancel": (
        [("change", 18), ("correct", 17), ("change", 16), ("cancel", None)],
        [("新規", "19:00", 20), ("変更", "21:00", 17)],
    ),
    "change_change_cancel_correct": (
        [("change", 18), ("change", 15), ("cancel", None), ("correct", 17)],
        [("新規", "19:00", 20), ("変更", "23:00", 17)],
    ),
    "cancel_both_changes": (
        [("change", 18), ("change", 15), ("cancel", None), ("cancel", None)],
        [("新規", "19:00", 20)],
    ),
}


@pytest.mark.parametrize("operations, expected", CASES.values(), ids=CASES.keys())
def test_history_on_the_detail_page(
    client, contractor_a, advance_a, clerk_x, time_machine, operations, expected
):
    for hour, (operation, millions) in enumerate(operations, start=1):
        time_machine.move_to(NOW + datetime.timedelta(hours=hour), tick=False)
        if operation == "change":
            change(advance_a, clerk_x, guarantee_amount=millions * 1_000_000)
        elif operation == "correct":
            correct(advance_a, clerk_x, guarantee_amount=millions * 1_000_000)
        else:
            cancel(advance_a, clerk_x)

    client.force_login(contractor_a)
    page = client.get(detail_url(advance_a)).content.decode()
    rows = history_rows(page)
    assert [(no, at[-5:], kind) for no, at, kind, _ in rows] == [
        (str(i), time, kind) for i, (kind, time, _) in enumerate(expected, start=1)
    ]
    # Each 選択 opens that entry's certificate as shown now; the 概要 shows the latest entry.
    for (_, _, _, url), (_, _, millions) in zip(rows, expected, strict=True):
        assert amount_in(client.get(url).content.decode()) == f"{millions * 1_000_000:,} 円"
    assert summary_amount(page) == f"{expected[-1][2] * 1_000_000:,} 円"
    assert "※訂正、変更取消された履歴は表示されません。" in page


def test_a_change_is_labelled_henkou_n_in_its_window(client, contractor_a, advance_a, clerk_x):
    change(advance_a, clerk_x, guarantee_amount=18_000_000)
    change(advance_a, clerk_x, guarantee_amount=16_000_000)
    client.force_login(contractor_a)
    rows = history_rows(client.get(detail_url(advance_a)).content.decode())
    windows = [client.get(url).content.decode() for _, _, _, url in rows]
    assert "変更の発生番号：" not in windows[0]
    assert "変更一　変更の発生番号：1" in windows[1]
    assert "変更二　変更の発生番号：2" in windows[2]


def test_a_cancelled_change_cannot_be_opened_any_more(client, contractor_a, advance_a, clerk_x):
    changed = change(advance_a, clerk_x, guarantee_amount=18_000_000)
    cancel(advance_a, clerk_x)
    client.force_login(contractor_a)
    assert client.get(f"/netdesk/contracts/{advance_a.pk}/certificates/{changed.pk}/").status_code == 404
    assert client.get(f"/netdesk/contracts/{advance_a.pk}/certificates/{changed.pk}/pdf/").status_code == 404
