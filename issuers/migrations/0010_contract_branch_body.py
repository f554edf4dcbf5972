"""The clerk's 発注者 filter probes the branch's contracts per body. Built CONCURRENTLY on PostgreSQL
(common.online_ddl)."""

from django.db import migrations, models

from common.online_ddl import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("issuers", "0009_dsure_postings")]

    operations = [
        AddIndexOnline(
            model_name="guaranteecontract",
            index=models.Index(fields=["branch", "ordering_body"], name="contract_branch_body"),
        ),
    ]
