"""Batch issuance: issue every submitted (申込済 / 審査中) product request sent to one branch."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from netdesk import services
from netdesk.models import OPEN_STATUSES, ProductRequest


class Command(BaseCommand):
    help = "Issue all 申込済/審査中 product requests of a branch, as the given clerk."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the issuing clerk")
        parser.add_argument("--limit", type=int, default=None, help="issue at most this many")

    def handle(self, *args, user, limit, **options):
        clerk_user = get_user_model().objects.filter(username=user).select_related("clerk__branch").first()
        if clerk_user is None or not hasattr(clerk_user, "clerk"):
            raise CommandError(f"{user} is not a branch clerk.")
        branch = clerk_user.clerk.branch
        pending = (
            ProductRequest.objects.filter(
                requested=True, status__in=OPEN_STATUSES, application__branch=branch
            )
            .order_by("application__submitted_at", "pk")
            .values_list("pk", flat=True)
        )
        issued = failed = 0
        for pk in list(pending[:limit] if limit else pending):
            try:
                contract = services.product_request_issue(
                    product_request=ProductRequest.objects.get(pk=pk), by=clerk_user
                )
            except services.TransitionError as error:
                failed += 1
                self.stderr.write(f"request {pk}: {error}")
                continue
            issued += 1
            self.stdout.write(f"request {pk}: {contract.number}")
        self.stdout.write(f"{branch}: issued {issued}, refused {failed}")
