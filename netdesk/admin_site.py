"""The admin site of the branch clerks: its first page is the branch's open work, with counts, each
linking to that filtered list (the superuser sees every branch, one row each)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from issuers.models import Branch, OutboundMail
from issuers.selectors import clerk_branch
from netdesk import selectors
from netdesk.models import Status


class ClerkAdminSite(admin.AdminSite):
    site_header = "東日本建設業保証（見本）支店業務"
    site_title = "支店業務（見本）"
    index_title = "保証申込の審査と発行"
    index_template = "admin/clerk_index.html"

    def index(self, request, extra_context=None):
        context = {"workload": workload_rows(request), "sent_mail": sent_mail(request)}
        return super().index(request, {**context, **(extra_context or {})})


def workload_rows(request) -> list[dict]:
    """One row per branch the user works for: the branch and its (label, count, link) cells."""
    if request.user.is_superuser:
        branches = Branch.objects.all()
    else:
        branch = clerk_branch(request)
        branches = Branch.objects.filter(pk=branch.pk) if branch else Branch.objects.none()
    today = timezone.localdate()
    rows = []
    for work in selectors.branch_workload(branches=branches, today=today):
        scope = {"branch__id__exact": work.branch.pk} if request.user.is_superuser else {}
        amendment_scope = (
            {"product_request__application__branch__id__exact": work.branch.pk}
            if request.user.is_superuser
            else {}
        )
        applications = reverse("admin:netdesk_application_changelist")
        rows.append(
            {
                "branch": work.branch,
                "cells": [
                    ("新着（申込済）", work.submitted, _link(applications, status=Status.SUBMITTED, **scope)),
                    ("審査中", work.reviewing, _link(applications, status=Status.REVIEWING, **scope)),
                    ("差戻し中", work.returned, _link(applications, status=Status.RETURNED, **scope)),
                    (
                        "変更の申込",
                        work.amendments,
                        _link(
                            reverse("admin:netdesk_amendmentrequest_changelist"),
                            status="open",
                            **amendment_scope,
                        ),
                    ),
                    (
                        "本日発行",
                        work.issued_today,
                        _link(
                            reverse("admin:issuers_guaranteecontract_changelist"),
                            issued_at__year=today.year,
                            issued_at__month=today.month,
                            issued_at__day=today.day,
                            **scope,
                        ),
                    ),
                ],
            }
        )
    return rows


def sent_mail(request) -> dict | None:
    """For the superuser of the embedded default (console mail, nothing to open in a mail client): how
    many e-mails were sent and where to read them."""
    if not request.user.is_superuser or "console" not in settings.MAILERS["default"]["BACKEND"]:
        return None
    return {"count": OutboundMail.objects.count(), "url": reverse("admin:issuers_outboundmail_changelist")}


def _link(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}"
