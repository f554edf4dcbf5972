"""factory-boy factories. Reference data comes from the same module `seed_demo` loads."""

import datetime

import factory
from django.contrib.auth import get_user_model

from dsure.models import Body, Official
from issuers.models import Branch, Clerk, OrderingBody, Product, SuretyCompany
from netdesk.models import Application, Company, Member, ProductRequest, Status
from netdesk.roles import clerk_group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class SuretyCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuretyCompany
        django_get_or_create = ("name",)

    name = "東日本建設業保証株式会社"
    address = "東京都中央区八丁堀2丁目27番10号"
    president_name = "見本 一郎"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    company = factory.SubFactory(SuretyCompanyFactory)
    code = "20"
    name = "長野支店"
    tel = "026-226-7520"
    fax = "026-000-0000"
    email = "ng.mlad1@ejcs.co.jp"


class OrderingBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderingBody
        django_get_or_create = ("code",)

    code = "204862"
    name = "小谷村"
    head_title = "小谷村長"
    prefecture = "長野県"
    esurety_start = datetime.date(2026, 4, 1)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"見本建設{n}株式会社")
    address = "長野県北安曇郡小谷村大字中小谷1-2-3"
    representative = "代表取締役 見本 花子"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)


class ClerkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clerk
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True)
    branch = factory.SubFactory(BranchFactory)

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if create:
            self.user.groups.add(clerk_group())


class DsureBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body
        django_get_or_create = ("code",)

    code = "204862"
    name = "小谷村"


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    user = factory.SubFactory(UserFactory)
    body = factory.SubFactory(DsureBodyFactory)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete application, ready to submit, for both products, electronic."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    created_by = factory.SubFactory(UserFactory)
    work_name = "中小谷地区道路改良工事"
    work_location = "長野県北安曇郡小谷村大字中小谷地内"
    ordering_body = factory.SubFactory(OrderingBodyFactory)
    contract_amount = 50_000_000
    period_start = datetime.date(2026, 5, 1)
    period_end = datetime.date(2027, 3, 19)
    contract_date = datetime.date(2026, 4, 24)
    advance_planned = True
    contractor_address = factory.SelfAttribute("company.address")
    contractor_name = factory.SelfAttribute("company.name")
    branch = factory.SubFactory(BranchFactory)
    notify_issued = True
    email = "soumu@example.com"
    contact_person = "見本 三郎"

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if not create:
            return
        status = kwargs.get("status", Status.DRAFT)
        fmt = kwargs.get("format", "electronic")
        ProductRequest.objects.create(
            application=self,
            product=Product.ADVANCE,
            requested=True,
            status=status,
            format=fmt,
            guarantee_amount=20_000_000,
            deposit_bank="八十二銀行 小谷支店",
            redeposit="not_used",
            payment_method="lump_sum",
            fee_billing_to=self.company.name,
            fee_statement_paper=False,
        )
        ProductRequest.objects.create(
            application=self,
            product=Product.PERFORMANCE,
            requested=True,
            status=status,
            format=fmt,
            guarantee_amount=5_000_000,
            payment_method="lump_sum",
            fee_billing_to=self.company.name,
            fee_statement_paper=False,
        )
