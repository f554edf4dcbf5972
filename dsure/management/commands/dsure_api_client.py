"""API clients of ordering bodies: create one (its token is printed once, never stored), list, revoke.

manage.py dsure_api_client create --body 204862 --name "小谷村 電子契約システム"
manage.py dsure_api_client list [--body 204862]
manage.py dsure_api_client revoke --id 3
"""

from django.core.management.base import BaseCommand, CommandError

from dsure.models import ApiClient, Body
from dsure.services import api_client_create, api_client_revoke


class Command(BaseCommand):
    help = "Create, list or revoke API clients (e-contract systems) of D-Sure ordering bodies."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="create a client and print its token once")
        create.add_argument("--body", required=True, help="団体コード of the ordering body")
        create.add_argument("--name", required=True, help="what the client is, e.g. the system's name")
        listing = commands.add_parser("list", help="list clients (never their tokens)")
        listing.add_argument("--body", help="only this body's clients")
        revoke = commands.add_parser("revoke", help="revoke a client's token at once")
        revoke.add_argument("--id", type=int, required=True, dest="client_id")

    def handle(self, *args, command, **options):
        getattr(self, f"_{command}")(**options)

    def _create(self, *, body, name, **options):
        name = name.strip()
        if not name or len(name) > ApiClient._meta.get_field("name").max_length:
            raise CommandError("--name must be 1 to 100 characters.")
        found = Body.objects.filter(code=body).first()
        if found is None:
            raise CommandError(f"No D-Sure ordering body with code {body}.")
        client, token = api_client_create(body=found, name=name)
        self.stdout.write(f"API client {client.pk} for {found.code} {found.name}: {client.name}")
        self.stdout.write("Token (shown only now; D-Sure keeps only its SHA-256):")
        self.stdout.write(token)

    def _list(self, *, body=None, **options):
        clients = ApiClient.objects.select_related("body").order_by("body__code", "pk")
        if body:
            clients = clients.filter(body__code=body)
        for client in clients:
            state = f"revoked {client.revoked_at:%Y-%m-%d %H:%M}" if client.revoked_at else "active"
            self.stdout.write(f"{client.pk}\t{client.body.code}\t{client.name}\t{state}")

    def _revoke(self, *, client_id, **options):
        client = ApiClient.objects.select_related("body").filter(pk=client_id).first()
        if client is None:
            raise CommandError(f"No API client {client_id}.")
        if api_client_revoke(api_client=client):
            self.stdout.write(f"API client {client.pk} revoked.")
        else:
            self.stdout.write(f"API client {client.pk} was already revoked.")
