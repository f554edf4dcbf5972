"""保証申込: list, create and edit a draft, confirm, submit (送信完了), view and withdraw (取下げ).

Views are thin: the form converts, `netdesk.rules` judges, `netdesk.services` changes state.
Every application is fetched through `application_for_company`, so another company's is a 404.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from issuers.models import Product
from netdesk import rules, selectors, services
from netdesk.access import application_for_company, contractor_required
from netdesk.forms import ApplicationForm
from netdesk.models import ApplicationState

PAGE_SIZE = 20
SECTIONS = {"clear_products": "products", "clear_information": "information"}
CLEARED_MESSAGES = {
    "products": "保証の申込内容をクリアしました。",
    "information": "インフォメーションをクリアしました。",
}
EVENT_LABELS = {
    "create": "作成",
    "submit": "送信",
    "withdraw": "取下げ",
    "review_start": "審査開始",
    "return": "差戻し",
    "issue": "発行",
    "intermediate_submit": "中間前払金保証の申込",
    "intermediate_withdraw": "中間前払金保証の取下げ",
}
# The 「?」 beside a field opens its entry on the help page.
HELP_ANCHORS = {
    "advance_format": "help-format",
    "performance_format": "help-format",
    "advance_this_year_amount": "help-this-year",
    "advance_guarantee_amount": "help-advance-amount",
    "advance_deposit_bank": "help-deposit-bank",
    "advance_fee_billing_to": "help-fee-billing",
    "performance_fee_billing_to": "help-fee-billing",
    "performance_guarantee_amount": "help-performance-amount",
    "email": "help-email",
    "contact_department": "help-department",
}


@contractor_required
def application_list(request):
    applications = selectors.applications_for_company(company=request.company)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for application in page:
        products = list(application.products.all())
        by_product = {p.product: p for p in products}
        state = ApplicationState.of(application, products)
        rows.append(
            {
                "application": application,
                "cells": [by_product.get(product) for product in Product],
                "editable": state.editable,
                "draft": state.draft,
                "returned": state.returned,
            }
        )
    return render(request, "netdesk/application_list.html", {"page": page, "rows": rows})


@contractor_required
@require_http_methods(["GET", "POST"])
def application_new(request):
    if request.method == "POST":
        try:
            application = services.application_create(
                company=request.company, by=request.user, client_token=_client_token(request.POST)
            )
        except LookupError:
            raise Http404 from None
        return _save_posted_form(request, application)
    company = request.company
    form = ApplicationForm(
        initial={
            "contractor_address": company.address,
            "contractor_name": company.name,
            "advance_fee_billing_to": company.name,
            "performance_fee_billing_to": company.name,
        }
    )
    return _render_form(request, form, application=None, products=[], client_token=uuid.uuid4())


@contractor_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    application = application_for_company(request, pk)
    products = selectors.application_products(application=application)
    if not ApplicationState.of(application, products).editable:
        messages.info(request, "この申込は送信済みのため変更できません。")
        return redirect("netdesk:application_detail", pk=application.pk)
    if request.method == "POST":
        return _save_posted_form(request, application)
    form = ApplicationForm(initial=rules.application_snapshot(application, products))
    return _render_form(request, form, application=application, products=products)


@contractor_required
@require_http_methods(["GET", "POST"])
def application_confirm(request, pk):
    application = application_for_company(request, pk)
    if request.method == "POST":
        try:
            services.application_submit(application=application, by=request.user)
        except services.ApplicationInvalid as error:
            messages.error(request, str(error))
            return redirect("netdesk:application_edit", pk=application.pk)
        except services.TransitionError as error:
            messages.error(request, str(error))
            return redirect("netdesk:application_detail", pk=application.pk)
        # Sent now or already sent by an earlier click: either way the contractor sees 送信完了.
        return redirect("netdesk:application_done", pk=application.pk)
    products = selectors.application_products(application=application)
    if not ApplicationState.of(application, products).editable:
        return redirect(_after_sending(application, products))
    snapshot = rules.application_snapshot(application, products)
    if rules.application_errors(snapshot, today=timezone.localdate()):
        messages.error(request, "入力内容に誤りがあります。申込作成の画面で修正してください。")
        return redirect("netdesk:application_edit", pk=application.pk)
    return render(
        request,
        "netdesk/application_confirm.html",
        {"step": 2, **_summary(application, products, snapshot)},
    )


@contractor_required
def application_done(request, pk):
    application = application_for_company(request, pk)
    products = selectors.application_products(application=application)
    if ApplicationState.of(application, products).editable:
        return redirect("netdesk:application_edit", pk=application.pk)
    if _after_sending(application, products) != reverse("netdesk:application_done", args=[application.pk]):
        return redirect("netdesk:application_detail", pk=application.pk)
    snapshot = rules.application_snapshot(application, products)
    return render(
        request, "netdesk/application_done.html", {"step": 3, **_summary(application, products, snapshot)}
    )


@contractor_required
def application_detail(request, pk):
    application = application_for_company(request, pk)
    products = selectors.application_products(application=application)
    snapshot = rules.application_snapshot(application, products)
    events = selectors.application_events(application=application)
    state = ApplicationState.of(application, products)
    return render(
        request,
        "netdesk/application_detail.html",
        {
            **_summary(application, products, snapshot),
            "editable": state.editable,
            "withdrawable": state.withdrawable,
            "draft": state.draft,
            "returned": state.returned,
            "events": [(event, EVENT_LABELS.get(event.action, event.action)) for event in events],
        },
    )


@contractor_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk):
    application = application_for_company(request, pk)
    if request.method == "POST":
        try:
            services.application_withdraw(application=application, by=request.user)
        except services.TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "申込を取り下げました。")
        return redirect("netdesk:application_detail", pk=application.pk)
    products = selectors.application_products(application=application)
    if not ApplicationState.of(application, products).withdrawable:
        messages.error(request, "この申込は取り下げできません（取下げは申込済の間だけできます）。")
        return redirect("netdesk:application_detail", pk=application.pk)
    snapshot = rules.application_snapshot(application, products)
    return render(request, "netdesk/application_withdraw.html", _summary(application, products, snapshot))


@contractor_required
@require_http_methods(["GET", "POST"])
def intermediate_withdraw(request, pk):
    """取下げ of the 中間前払金保証 request alone (the issued 前払金保証 stays), after a confirmation page."""
    application = application_for_company(request, pk)
    if request.method == "POST":
        try:
            services.intermediate_withdraw(application=application, by=request.user)
        except services.TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "中間前払金保証の申込を取り下げました。")
        return redirect("netdesk:application_detail", pk=application.pk)
    products = selectors.application_products(application=application)
    intermediate = next((p for p in products if p.product == Product.INTERMEDIATE and p.requested), None)
    if intermediate is None or not intermediate.is_withdrawable:
        messages.error(
            request, "この中間前払金保証の申込は取り下げできません（取下げは申込済の間だけできます）。"
        )
        return redirect("netdesk:application_detail", pk=application.pk)
    snapshot = rules.application_snapshot(application, products)
    return render(request, "netdesk/intermediate_withdraw.html", _summary(application, products, snapshot))


@contractor_required
@require_http_methods(["GET", "POST"])
def application_delete(request, pk):
    """削除 of a draft (下書き), after a confirmation page."""
    application = application_for_company(request, pk)
    if request.method == "POST":
        try:
            services.application_delete_draft(application=application, by=request.user)
        except services.TransitionError as error:
            messages.error(request, str(error))
            return redirect("netdesk:application_detail", pk=application.pk)
        messages.success(request, "下書きを削除しました。")
        return redirect("netdesk:application_list")
    products = selectors.application_products(application=application)
    if not ApplicationState.of(application, products).draft:
        messages.error(request, "送信した申込は削除できません。")
        return redirect("netdesk:application_detail", pk=application.pk)
    snapshot = rules.application_snapshot(application, products)
    return render(request, "netdesk/application_delete.html", _summary(application, products, snapshot))


# -- helpers ---------------------------------------------------------------------------------------------


def _client_token(post) -> uuid.UUID:
    """The token the new-application form was rendered with. A missing or mangled one (never sent by
    our form) gets a fresh token: that POST makes a draft of its own."""
    try:
        return uuid.UUID(str(post.get("client_token", "")))
    except ValueError:
        return uuid.uuid4()


def _save_posted_form(request, application):
    """One POST of the edit form: store what converted, then do what the pressed button asks."""
    form = ApplicationForm(request.POST)
    form.is_valid()  # converts; type errors stay on the form, the rest is stored
    action = request.POST.get("action", "save")
    try:
        application = services.application_save_draft(
            application=application, data=form.draft_data, by=request.user
        )
        if action in SECTIONS:
            application = services.application_clear_section(
                application=application, section=SECTIONS[action], by=request.user
            )
    except services.TransitionError as error:
        messages.error(request, str(error))
        return redirect("netdesk:application_detail", pk=application.pk)
    products = selectors.application_products(application=application)

    if action in SECTIONS:
        # Re-render what was typed everywhere else; only the cleared section comes back empty.
        fields = rules.PRODUCTS_SECTION_FIELDS if action == "clear_products" else rules.INFORMATION_FIELDS
        data = request.POST.copy()
        for name in fields:
            data.pop(name, None)
        form = ApplicationForm(data)
        form.is_valid()
        messages.success(request, CLEARED_MESSAGES[SECTIONS[action]])
        return _render_form(request, form, application=application, products=products)

    if action == "confirm":
        snapshot = rules.application_snapshot(application, products)
        form.add_rule_errors(rules.application_errors(snapshot, today=timezone.localdate()))
        if not form.errors:
            return redirect("netdesk:application_confirm", pk=application.pk)
        return _render_form(request, form, application=application, products=products, status=200)

    if form.errors:
        messages.warning(
            request,
            "一時保存しました。ただし、誤りのある項目は保存されていません。赤字の項目を確認してください。",
        )
        return _render_form(request, form, application=application, products=products)
    messages.success(request, "一時保存しました。")
    return redirect("netdesk:application_edit", pk=application.pk)


def _render_form(request, form, *, application, products, client_token=None, status=200):
    values = _form_values(form)
    by_product = {p.product: p for p in products}
    context = {
        "step": 1,
        "form": form,
        "application": application,
        "client_token": client_token,
        "action_url": reverse("netdesk:application_edit", args=[application.pk])
        if application
        else reverse("netdesk:application_new"),
        "advance": by_product.get(Product.ADVANCE),
        "performance": by_product.get(Product.PERFORMANCE),
        "returned": application is not None and ApplicationState.of(application, products).returned,
        "advance_ratio": rules.advance_ratio(values),
        "performance_ratio": rules.performance_ratio(values),
        "help_anchors": HELP_ANCHORS,
        "error_summary": _error_summary(form),
        "esurety_refusals": rules.esurety_refusals(
            form.fields["ordering_body"].queryset, today=timezone.localdate()
        ),
    }
    return render(request, "netdesk/application_form.html", context, status=status)


def _form_values(form) -> dict:
    """The amounts the ratios are computed from: what was just typed (if it converted) or the draft."""
    if form.is_bound:
        return (
            {name: form.cleaned_data.get(name) for name in form.fields}
            if hasattr(form, "cleaned_data")
            else {}
        )
    return dict(form.initial)


def _error_summary(form) -> list[dict]:
    """Links to every field in error, in form order, each labelled with its product where it has one."""
    summary = []
    for name, field in form.fields.items():
        if name not in form.errors:
            continue
        prefix = ""
        if name in rules.PRODUCTS_SECTION_FIELDS:
            prefix = "前払金保証: " if name.startswith("advance_") else "契約保証: "
        # A radio group has no element with the field's own id: point at its first choice.
        target = form[name].auto_id + ("_0" if isinstance(field.widget, forms.RadioSelect) else "")
        summary.append({"id": target, "label": prefix + field.label, "messages": form.errors[name]})
    return summary


def _summary(application, products, snapshot) -> dict:
    by_product = {p.product: p for p in products}
    return {
        "application": application,
        "data": snapshot,
        "advance": by_product.get(Product.ADVANCE),
        "performance": by_product.get(Product.PERFORMANCE),
        "intermediate": by_product.get(Product.INTERMEDIATE),
        "advance_ratio": rules.advance_ratio(snapshot),
        "performance_ratio": rules.performance_ratio(snapshot),
    }


def _after_sending(application, products) -> str:
    """Where a sent application's confirm/送信完了 URLs lead: 送信完了 while it is on its way, the
    detail page once withdrawn."""
    if ApplicationState.of(application, products).withdrawn:
        return reverse("netdesk:application_detail", args=[application.pk])
    return reverse("netdesk:application_done", args=[application.pk])
