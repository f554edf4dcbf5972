"""Each portal admits its own users only; anonymous users are sent to that portal's login."""

import pytest


@pytest.mark.parametrize("url", ["/netdesk/", "/dsure/"])
def test_anonymous_is_sent_to_the_portals_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(f"{url}login/")


def test_contractor_sees_the_netdesk_top_with_the_company_name(client, contractor_a):
    client.force_login(contractor_a)
    response = client.get("/netdesk/")
    assert response.status_code == 200
    assert "北アルプス建設株式会社 様" in response.content.decode()
    assert "見本" in response.content.decode()


def test_contractor_is_refused_by_dsure(client, contractor_a):
    client.force_login(contractor_a)
    assert client.get("/dsure/").status_code == 403


def test_official_is_refused_by_netdesk(client, official_p):
    client.force_login(official_p)
    assert client.get("/netdesk/").status_code == 403


def test_dsure_login_refuses_a_contractor_with_the_generic_message(client, contractor_a):
    response = client.post("/dsure/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()


def test_netdesk_login_admits_a_contractor(client, contractor_a):
    response = client.post("/netdesk/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(contractor_a.pk)


def test_public_list_of_esurety_ordering_bodies_is_searchable(client, body_p, body_q, body_paper_only):
    page = client.get("/ordering-bodies/", {"q": "栃木"}).content.decode()
    assert "栃木県" in page
    assert "小谷村" not in page
    full_list = client.get("/ordering-bodies/").content.decode()
    assert "小谷村" in full_list
    assert (
        full_list.count('<td data-label="都道府県">長野県</td>') == 1
    )  # 小谷村's prefecture; 長野県 itself has no 電子保証


def test_netdesk_login_without_next_lands_on_the_top_page(client, contractor_a):
    response = client.post("/netdesk/login/", {"username": "alice", "password": "pw"})
    assert response.url == "/netdesk/"


@pytest.mark.parametrize(
    ("url", "operator", "other"),
    [
        ("/netdesk/login/", "東日本建設業保証株式会社の実際のサービスではありません。", "日本電子認証"),
        (
            "/dsure/login/",
            "日本電子認証株式会社（NDN）が運営する実際の保証確認サービス（D-Sure）ではありません。",
            "東日本建設業保証",
        ),
    ],
)
def test_each_portals_footer_names_the_real_service_it_is_not(client, url, operator, other):
    # D-Sure is NDN's service, not the surety company's (seeds 003 and 004).
    page = client.get(url).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert operator in footer and "見本（SPECIMEN）" in footer
    assert other not in footer
