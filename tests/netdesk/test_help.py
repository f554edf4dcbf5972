"""ヘルプ answers the leaflets' FAQ (Q1–Q7), with the ordering bodies that accept 電子保証 today."""

import datetime

import pytest

from issuers.models import OrderingBody

FAQ_QUESTIONS = [
    "すべて電子保証としなければならないのでしょうか",
    "保証料の領収証や計算書も電子化されますか",
    "保証料以外に発生する費用はありますか",
    "提出するまでの日数は従来より短縮されるのでしょうか",
    "紙の保証証書を選択することは可能でしょうか",
    "前払金保証は電子証書、契約保証は紙の保証証書といった保証申込みは可能でしょうか",
    "電子保証を利用できる発注者はありますか",
]


@pytest.mark.django_db
def test_help_answers_the_leaflets_faq_q1_to_q7(client, contractor_a, body_p, time_machine):
    time_machine.move_to("2026-06-01T10:00:00+09:00", tick=False)
    OrderingBody.objects.create(
        code="204811",
        name="白馬村",
        head_title="白馬村長",
        prefecture="長野県",
        esurety_start=datetime.date(2027, 4, 1),
    )
    client.force_login(contractor_a)
    page = client.get("/netdesk/help/").content.decode()
    for number, question in enumerate(FAQ_QUESTIONS, start=1):
        assert f"Q{number}." in page and question in page, f"Q{number}"
    assert "従来通り紙の保証証書を選択いただくことも可能です" in page
    assert "領収証は引き続き書面にてお渡しします" in page
    assert "保証料以外に追加費用は発生しません" in page
    assert "最短で当日中に行うことが可能です" in page
    assert "電子証書と紙の保証証書は混在できません" in page
    assert "商品ごとに保証証書の形式が異なっても構いません" in page
    # Q7: the bodies of this Net Desk that accept 電子保証, and the one that will, with its start date.
    assert body_p.name in page
    assert "白馬村（令和09年04月01日から）" in page
