"""Create the demo PKI (見本 root CA, timestamp authority, CRL) and one e-seal per surety company."""

from django.core.management.base import BaseCommand

from issuers.sealing import ensure_company_seals
from seals import pki


class Command(BaseCommand):
    help = "Create the demo PKI in SEAL_PKI_DIR if missing, and an e-seal certificate per surety company."

    def handle(self, *args, **options):
        created = pki.ensure_demo_pki()
        issued = ensure_company_seals()
        self.stdout.write(f"{'Created' if created else 'Found'} the demo PKI in {pki.pki_dir()}")
        for name in issued:
            self.stdout.write(f"Issued an e-seal certificate to {name}")
        self.stdout.write(f"Root SHA-256: {pki.root_fingerprint()} (published at /trust/)")
