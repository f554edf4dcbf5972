"""`manage.py log_keygen ORIGIN`: a new Ed25519 note signer key for TRANSPARENCY_LOG_KEY, and the
verifier key that GET /dsure/log/key will publish. The private key is printed once, to be stored with
the other secrets; nothing is written anywhere."""

from django.core.management.base import BaseCommand

from common.transparency import NoteSigner, generate_signer_key


class Command(BaseCommand):
    help = "Generate a note signer key for D-Sure's transparency log (TRANSPARENCY_LOG_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("origin", help="the log's origin line, e.g. d-sure.example.jp/log")

    def handle(self, *args, origin, **options):
        key = generate_signer_key(origin)
        self.stdout.write(f"TRANSPARENCY_LOG_KEY={key}\n")
        self.stdout.write(f"# verifier key (public): {NoteSigner(key).verifier_key}\n")
