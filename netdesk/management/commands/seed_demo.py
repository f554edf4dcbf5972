"""Create the reference data, the demo accounts and contractor1's issued 前払金保証 for 小谷村.
Idempotent: run it as often as you like."""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dsure.models import Body, Official
from issuers.models import Branch, CertificateFormat, Clerk, FeeRate, OrderingBody, Product, SuretyCompany
from netdesk import reference_data as data
from netdesk import services
from netdesk.models import Application, Company, Member, ProductRequest
from netdesk.roles import clerk_group


class Command(BaseCommand):
    help = "Load the leaflets' reference data and the demo accounts (password: DEMO_PASSWORD or 'demo')."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--port", default="8000", help="port shown in the printed URLs")

    def handle(self, *args, force, port, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo accounts with a known password are refused without --force."
            )
        password = settings.DEMO_PASSWORD
        with transaction.atomic():
            self._reference_data()
            self._accounts(password)
        # The demo PKI that seals issued PDFs: made on the first run, found on later ones.
        call_command("demo_pki", stdout=self.stdout)
        self._demo_advance()
        self._print_accounts(port, password)

    def _reference_data(self):
        company, _ = SuretyCompany.objects.update_or_create(
            name=data.SURETY_COMPANY["name"], defaults=data.SURETY_COMPANY
        )
        for branch in data.BRANCHES:
            Branch.objects.update_or_create(code=branch["code"], defaults={**branch, "company": company})
        for code, name, head_title, prefecture, start in data.ORDERING_BODIES:
            OrderingBody.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "head_title": head_title,
                    "prefecture": prefecture,
                    "esurety_start": start,
                    **data.SUBMISSION_RULES.get(code, {}),
                    **data.INTERMEDIATE_TERMS.get(code, {}),
                },
            )
            if start is not None:
                Body.objects.update_or_create(code=code, defaults={"name": name})
        for rate in data.FEE_RATES:
            FeeRate.objects.update_or_create(product=rate["product"], defaults=rate)

    def _accounts(self, password):
        group = clerk_group()
        for username, company_data in data.COMPANIES.items():
            company, _ = Company.objects.update_or_create(name=company_data["name"], defaults=company_data)
            user = _user(username, password)
            Member.objects.update_or_create(user=user, defaults={"company": company})
        for username, branch_name in data.CLERKS.items():
            user = _user(username, password, is_staff=True)
            user.groups.add(group)
            Clerk.objects.update_or_create(
                user=user, defaults={"branch": Branch.objects.get(name=branch_name)}
            )
        for username, (body_code, last_name, first_name) in data.OFFICIALS.items():
            user = _user(username, password, last_name=last_name, first_name=first_name)
            Official.objects.update_or_create(user=user, defaults={"body": Body.objects.get(code=body_code)})
        _user("admin", password, is_staff=True, is_superuser=True)

    def _demo_advance(self):
        """contractor1's issued 前払金保証 for 小谷村 (once): where the 中間前払金保証 is applied for."""
        demo = data.DEMO_ADVANCE
        member = Member.objects.select_related("company", "user").get(user__username=demo["username"])
        if Application.objects.filter(company=member.company, work_name=demo["work_name"]).exists():
            return
        today = timezone.localdate()
        start = today - datetime.timedelta(days=demo["days_since_start"])
        application = services.application_create(
            company=member.company, by=member.user, client_token=uuid.uuid4()
        )
        services.application_save_draft(
            application=application,
            by=member.user,
            data={
                "work_name": demo["work_name"],
                "work_location": demo["work_location"],
                "ordering_body": OrderingBody.objects.get(code=demo["ordering_body"]),
                "contract_amount": demo["contract_amount"],
                "period_start": start,
                "period_end": today + datetime.timedelta(days=demo["days_to_end"]),
                "contract_date": start - datetime.timedelta(days=7),
                "advance_planned": True,
                "branch": Clerk.objects.get(user__username=demo["clerk"]).branch,
                "notify_issued": True,
                "email": demo["email"],
                "advance_requested": True,
                "advance_format": CertificateFormat.ELECTRONIC,
                "advance_guarantee_amount": demo["guarantee_amount"],
                "advance_deposit_bank": demo["deposit_bank"],
                "advance_redeposit": ProductRequest.Redeposit.NOT_USED,
                "advance_payment_method": ProductRequest.PaymentMethod.LUMP_SUM,
                "advance_fee_billing_to": member.company.name,
                "advance_fee_statement_paper": False,
            },
        )
        services.application_submit(application=application, by=member.user)
        clerk = get_user_model().objects.get(username=demo["clerk"])
        advance = application.products.get(product=Product.ADVANCE)
        contract = services.product_request_issue(product_request=advance, by=clerk)
        self.stdout.write(
            f"Demo 前払金保証 {contract.number} issued to {demo['username']} ({demo['work_name']})."
        )

    def _print_accounts(self, port, password):
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "電子保証シミュレーター（見本） demo accounts, password: " + password,
                    f"  Net Desk (contractors)   {base}/netdesk/   contractor1 ({data.COMPANIES['contractor1']['name']}),"
                    f" contractor2 ({data.COMPANIES['contractor2']['name']})",
                    f"  Branch admin (clerks)    {base}/admin/     staff-nagano (長野支店), staff-tochigi (栃木支店), admin",
                    f"  D-Sure (officials)       {base}/dsure/     official-otari (小谷村), official-tochigi (栃木県)",
                    f"  Public                   {base}/           電子保証対応の発注者: {base}/ordering-bodies/",
                    "",
                ]
            )
        )


def _user(username, password, *, is_staff=False, is_superuser=False, last_name="", first_name=""):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    user.last_name, user.first_name = last_name, first_name
    user.set_password(password)
    user.save()
    return user
