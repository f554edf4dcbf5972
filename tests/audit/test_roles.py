"""Who belongs where is a security fact: moving an official to another body shows that body's inbox,
moving a contractor to another company shows its contracts. Every such change in the admin is in the
audit trail: who, when, which user, and each changed field from → to."""

from audit.models import AuditEntry
from netdesk.roles import clerk_group
from tests import factories


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def admin_post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


# -- roles -------------------------------------------------------------------------------------------


def test_moving_an_official_to_another_body_is_audited(client, superuser, official_p, official_q):
    official = official_p.official
    client.force_login(superuser)
    admin_post(
        client,
        f"/admin/dsure/official/{official.pk}/change/",
        {"user": official_p.pk, "body": official_q.official.body_id, "notify_by_email": ""},
    )
    (entry,) = entries("dsure.official.change")
    assert entry.actor == superuser
    assert entry.object_type == "dsure.official" and entry.object_id == str(official.pk)
    assert entry.detail["user"] == "paul"
    assert entry.detail["changes"]["body"] == {"from": "小谷村", "to": "栃木県"}
    assert "小谷村" in entry.summary and "栃木県" in entry.summary


def test_giving_and_taking_a_role_is_audited(client, superuser, body_p, official_q):
    newcomer = factories.UserFactory(username="olga")
    client.force_login(superuser)
    admin_post(
        client,
        "/admin/dsure/official/add/",
        {"user": newcomer.pk, "body": official_q.official.body_id, "notify_by_email": ""},
    )
    (added,) = entries("dsure.official.add")
    assert added.detail["user"] == "olga" and added.detail["changes"]["body"] == {"from": "", "to": "栃木県"}

    official = newcomer.official
    admin_post(client, f"/admin/dsure/official/{official.pk}/delete/", {"post": "yes"})
    (deleted,) = entries("dsure.official.delete")
    assert deleted.detail["user"] == "olga" and deleted.detail["changes"]["body"] == {
        "from": "栃木県",
        "to": "",
    }


def test_moving_a_member_to_another_company_is_audited(client, superuser, contractor_a, company_b):
    member = contractor_a.member
    client.force_login(superuser)
    admin_post(
        client,
        f"/admin/netdesk/member/{member.pk}/change/",
        {"user": contractor_a.pk, "company": company_b.pk},
    )
    (entry,) = entries("netdesk.member.change")
    assert entry.detail["changes"]["company"] == {
        "from": str(contractor_a.member.company),
        "to": str(company_b),
    }


def test_moving_a_clerk_to_another_branch_is_audited(client, superuser, clerk_x, branch_x, branch_y):
    clerk = clerk_x.clerk
    client.force_login(superuser)
    admin_post(
        client, f"/admin/issuers/clerk/{clerk.pk}/change/", {"user": clerk_x.pk, "branch": branch_y.pk}
    )
    (entry,) = entries("issuers.clerk.change")
    assert entry.detail["changes"]["branch"] == {"from": str(branch_x), "to": str(branch_y)}


def test_a_users_staff_flags_and_groups_are_audited_but_not_their_other_fields(
    client, superuser, contractor_a
):
    client.force_login(superuser)
    page = client.get(f"/admin/accounts/user/{contractor_a.pk}/change/")
    assert page.status_code == 200
    data = {
        "username": "alice",
        "first_name": "",
        "last_name": "見本",
        "email": "alice@example.com",
        "is_active": "on",
        "is_staff": "on",
        "groups": [clerk_group().pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    admin_post(client, f"/admin/accounts/user/{contractor_a.pk}/change/", data)
    (entry,) = entries("accounts.user.change")
    assert entry.detail["user"] == "alice"
    assert set(entry.detail["changes"]) == {"is_staff", "groups"}
    assert entry.detail["changes"]["is_staff"] == {"from": "False", "to": "True"}
    assert entry.detail["changes"]["groups"] == {"from": "", "to": clerk_group().name}

    data["last_name"] = "見本二"  # not a role: not recorded again
    admin_post(client, f"/admin/accounts/user/{contractor_a.pk}/change/", data)
    assert len(entries("accounts.user.change")) == 1
