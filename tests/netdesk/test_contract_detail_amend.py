"""詳細 offers 「変更の申込」 once: one button, under a heading that does not repeat it."""


def test_detail_says_henko_no_moushikomi_once(client, contractor_a, advance_a):
    client.force_login(contractor_a)
    page = client.get(f"/netdesk/contracts/{advance_a.pk}/").content.decode()
    assert page.count("変更の申込") - page.count("変更の申込のヘルプ") == 1
    assert f'href="/netdesk/contracts/{advance_a.pk}/amendments/new/">変更の申込</a>' in page
