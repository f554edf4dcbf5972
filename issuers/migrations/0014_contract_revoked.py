"""Net Desk's 状態 filter reads which of a company's contracts are 取消 from a partial index of the
withdrawn contracts. Built CONCURRENTLY on PostgreSQL (common.online_ddl)."""

from django.db import migrations, models

from common.online_ddl import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("issuers", "0013_posting_refused")]

    operations = [
        AddIndexOnline(
            model_name="guaranteecontract",
            index=models.Index(
                fields=["id"], condition=models.Q(revoked_at__isnull=False), name="contract_revoked"
            ),
        ),
    ]
