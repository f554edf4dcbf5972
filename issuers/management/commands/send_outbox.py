"""The outbox sweeper: send e-mails and D-Sure postings that are due (never sent, or failed and due
again)."""

import time

from django.core.management.base import BaseCommand

from issuers.mail import deliver_due
from issuers.postings import posting_retry_refused, postings_send_due


class Command(BaseCommand):
    help = (
        "Send due e-mails and postings to D-Sure from the outbox; with --loop, keep doing it every "
        "--interval seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=30)
        parser.add_argument(
            "--retry-refused",
            nargs="+",
            default=[],
            metavar="POSTING_ID",
            help="send these postings D-Sure refused again (their 掲載ID), once the cause is fixed",
        )

    def handle(self, *args, loop, interval, retry_refused, **options):
        for posting_id in retry_refused:
            sent = posting_retry_refused(posting_id=posting_id)
            self.stdout.write(f"{posting_id}: {'posted' if sent else 'not posted (see 最後のエラー)'}")
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
