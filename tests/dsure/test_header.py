"""D-Sure's header greets the official by name and body, not by user name."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from dsure.models import Official


def test_the_header_greets_the_official_by_family_and_given_name_and_body(client, official_p):
    official_p.last_name, official_p.first_name = "小谷", "花子"
    official_p.save()
    client.force_login(official_p)
    html = client.get("/dsure/").content.decode()
    assert "小谷村 小谷 花子 様" in html
    assert "paul" not in html


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_the_demo_officials_have_japanese_names():
    call_command("seed_demo", stdout=io.StringIO())
    for official in Official.objects.select_related("user", "body"):
        name = official.user.get_full_name()
        assert name and name.isascii() is False, official.user.username
        assert name.split(" ")[0] == official.user.last_name  # family name first
