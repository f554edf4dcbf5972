"""Who may use D-Sure: officials of a registered ordering body, each seeing only their body's."""

from django.urls import reverse_lazy

from accounts.portals import portal_login_view, portal_required
from dsure.models import Official


def official_of(user) -> Official | None:
    return getattr(user, "official", None)


official_required = portal_required(
    belongs_to=official_of,
    login_url=reverse_lazy("dsure:login"),
    portal_name="保証確認サービス（D-Sure）",
    attribute="official",
)

login_view = portal_login_view(belongs_to=official_of, template_name="dsure/login.html")
