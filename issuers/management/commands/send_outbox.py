"""The outbox sweeper: send e-mails and D-Sure postings that are due (never sent, or failed and due
again)."""

import time

from django.core.management.base import BaseCommand

from issuers.mail import deliver_due
from issuers.postings import postings_send_due


class Command(BaseCommand):
    help = (
        "Send due e-mails and postings to D-Sure from the outbox; with --loop, keep doing it every "
        "--interval seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, loop, interval, **options):
        while True:
            sent = deliver_due()
            if sent:
                self.stdout.write(f"sent {sent} e-mail(s)")
            posted = postings_send_due()
            if posted:
                self.stdout.write(f"sent the postings of {posted} contract(s) to D-Sure")
            if not loop:
                return
            time.sleep(interval)
