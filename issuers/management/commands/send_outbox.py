"""The outbox sweeper: send e-mails that are due (never sent, or failed and due again)."""

import time

from django.core.management.base import BaseCommand

from issuers.mail import deliver_due


class Command(BaseCommand):
    help = "Send due e-mails from the outbox; with --loop, keep doing it every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, loop, interval, **options):
        while True:
            sent = deliver_due()
            if sent:
                self.stdout.write(f"sent {sent} e-mail(s)")
            if not loop:
                return
            time.sleep(interval)
