"""Who may use Net Desk, and the helpers that fetch a company's own objects or raise 404."""

from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy

from accounts.portals import portal_login_view, portal_required
from netdesk.models import Application, Company


def company_of(user) -> Company | None:
    member = getattr(user, "member", None)
    return member.company if member is not None else None


contractor_required = portal_required(
    belongs_to=company_of,
    login_url=reverse_lazy("netdesk:login"),
    portal_name="インターネット保証サービス（Net Desk）",
    attribute="company",
)

login_view = portal_login_view(
    belongs_to=company_of, template_name="netdesk/login.html", next_page=reverse_lazy("netdesk:home")
)


def application_for_company(request, pk) -> Application:
    """Another company's application is a 404, never a 403: its existence is not disclosed."""
    return get_object_or_404(Application, pk=pk, company=request.company)
