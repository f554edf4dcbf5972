"""What a newcomer tripped on in 保証申込: drafts are marked 下書き and can be deleted; a returned
application shows why at the top, is marked in the list and e-mails the contractor who asked for
e-mails; dates read in 和暦 like the certificate."""

import pytest
from django.core import mail

from audit.models import AuditEntry
from netdesk import services
from netdesk.models import Application
from tests import factories
from tests.netdesk.application_data import NOW

pytestmark = pytest.mark.django_db
REASON = "請負契約日をご確認ください。\n契約書の写しの日付と異なります。"


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def alice(client, contractor_a):
    client.force_login(contractor_a)
    return client


def list_rows(client) -> list[str]:
    html = client.get("/netdesk/applications/").content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return body.split("</tr>")[:-1]


# -- drafts (下書き) ---------------------------------------------------------------------------------


def test_a_draft_left_by_shinsei_kakunin_is_marked_and_can_be_deleted(alice, company_a):
    alice.post(
        "/netdesk/applications/new/",
        {"client_token": "8d1c5b6e-7a4f-4b59-9a58-1c2d3e4f5a6b", "action": "confirm"},
    )
    draft = Application.objects.get(company=company_a)
    (row,) = list_rows(alice)
    assert "下書き" in row and "（工事名未入力）" in row
    assert f'href="/netdesk/applications/{draft.pk}/delete/"' in row

    confirm = alice.get(f"/netdesk/applications/{draft.pk}/delete/").content.decode()
    assert "この下書きを削除しますか" in confirm and "削除する" in confirm
    response = alice.post(f"/netdesk/applications/{draft.pk}/delete/")
    assert response.status_code == 302 and response.url == "/netdesk/applications/"
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert "下書きを削除しました。" in alice.get(response.url).content.decode()
    entry = AuditEntry.objects.filter(action="application.delete_draft").get()
    assert entry.object_id == str(draft.pk)


def test_a_sent_application_is_no_draft_and_cannot_be_deleted(alice, application_a):
    services.application_submit(application=application_a, by=application_a.created_by)
    (row,) = list_rows(alice)
    assert "下書き" not in row and "/delete/" not in row
    response = alice.post(f"/netdesk/applications/{application_a.pk}/delete/", follow=True)
    assert Application.objects.filter(pk=application_a.pk).exists()
    assert "送信した申込は削除できません" in response.content.decode()


def test_a_returned_application_is_no_draft_either(alice, application_a, clerk_x):
    services.application_submit(application=application_a, by=application_a.created_by)
    services.application_return(application=application_a, by=clerk_x, message=REASON)
    alice.post(f"/netdesk/applications/{application_a.pk}/delete/")
    assert Application.objects.filter(pk=application_a.pk).exists()


def test_another_companys_draft_is_a_404(client, contractor_b, application_a):
    client.force_login(contractor_b)
    assert client.get(f"/netdesk/applications/{application_a.pk}/delete/").status_code == 404
    assert client.post(f"/netdesk/applications/{application_a.pk}/delete/").status_code == 404
    assert Application.objects.filter(pk=application_a.pk).exists()


# -- returned (差戻し) -------------------------------------------------------------------------------


def returned(application, clerk):
    services.application_submit(application=application, by=application.created_by)
    mail.outbox.clear()
    services.application_return(application=application, by=clerk, message=REASON)


def test_a_returned_application_says_why_at_the_top_of_its_page(alice, application_a, clerk_x):
    returned(application_a, clerk_x)
    html = alice.get(f"/netdesk/applications/{application_a.pk}/").content.decode()
    main = html[html.index("<main") :]
    notice = main.index("この申込は差し戻されました")
    assert notice < main.index("請負工事の情報")
    assert "請負契約日をご確認ください。<br>契約書の写しの日付と異なります。" in main


def test_the_list_marks_a_returned_application(alice, application_a, clerk_x):
    returned(application_a, clerk_x)
    (row,) = list_rows(alice)
    assert 'class="row-mark returned"' in row and "差戻し" in row
    assert f'href="/netdesk/applications/{application_a.pk}/edit/">修正して再送信' in row


def test_the_contractor_who_asked_for_e_mails_is_told_of_the_return(
    application_a, clerk_x, django_capture_on_commit_callbacks
):
    services.application_submit(application=application_a, by=application_a.created_by)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_return(application=application_a, by=clerk_x, message=REASON)
    (message,) = mail.outbox
    assert message.to == ["soumu@example.com"]
    assert "差戻し" in message.subject and "見本" in message.subject
    assert "中小谷地区道路改良工事" in message.body
    assert "請負契約日をご確認ください。" in message.body
    assert f"/netdesk/applications/{application_a.pk}/" in message.body


def test_no_e_mail_to_a_contractor_who_did_not_ask(
    company_a, contractor_a, body_p, branch_x, clerk_x, django_capture_on_commit_callbacks
):
    application = factories.ApplicationFactory(
        company=company_a,
        created_by=contractor_a,
        ordering_body=body_p,
        branch=branch_x,
        notify_issued=False,
        email="",
    )
    services.application_submit(application=application, by=contractor_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_return(application=application, by=clerk_x, message=REASON)
    assert mail.outbox == []


# -- dates ---------------------------------------------------------------------------------------------


def test_application_dates_read_in_wareki(alice, application_a):
    services.application_submit(application=application_a, by=application_a.created_by)
    detail = alice.get(f"/netdesk/applications/{application_a.pk}/").content.decode()
    assert "令和08年05月01日 〜 令和09年03月19日" in detail  # 工期
    assert "令和08年04月24日" in detail  # 請負契約日
    assert "2026年" not in detail
    (row,) = list_rows(alice)
    assert "令和08年06月01日" in row  # 更新日
