"""An id in a URL beyond what the database can hold is a 404, like any id that names nothing — on
SQLite too, where comparing a 20-digit number with an INTEGER column raises OverflowError."""

import re

import pytest
from django.test import Client

from tests.security.test_authorization_matrix import project_routes
from tests.security.world import log_in

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # 20 digits: beyond 2**64
ID_PARAMETER = re.compile(r"<(?:id|int):\w+>")
# Who may reach the routes of each area at all, so that the id is what gets looked at.
PERSONA_OF_AREA = {"netdesk": "contractor_a", "dsure": "official_p", "admin": "clerk_x"}


def id_routes():
    return [route for route in project_routes() if ID_PARAMETER.search(route.route)]


def test_every_id_in_a_url_goes_through_the_bounded_converter():
    unbounded = [route.route for route in id_routes() if "<int:" in route.route]
    assert not unbounded, f"use <id:…> (common.converters) instead of <int:…>: {unbounded}"


@pytest.mark.parametrize("persona", ["contractor_a", "official_p", "clerk_x", "superuser"])
def test_a_huge_id_anywhere_is_a_404(world, persona):
    client = log_in(Client(raise_request_exception=False), world, persona)
    public_id = str(world.certificate.public_id)
    answered = {}
    for route in id_routes():
        area = route.route.split("/")[0]
        if PERSONA_OF_AREA.get(area) != persona and not (area == "admin" and persona == "superuser"):
            continue
        url = "/" + ID_PARAMETER.sub(HUGE, route.route).replace("<uuid:public_id>", public_id)
        answered[url] = client.get(url).status_code
    assert answered, "no URL with an id was tried"
    # Past the converter an admin URL falls to the admin's own `<path:object_id>/`, whose answer to an
    # object that does not exist is a redirect (to its change page, then to the index with a message).
    allowed = {302, 404} if persona in ("clerk_x", "superuser") else {404}
    wrong = {url: status for url, status in answered.items() if status not in allowed}
    assert not wrong, wrong
