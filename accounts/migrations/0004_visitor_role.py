"""The 回访员 role (return visits), made on every installation like the other roles."""

from django.conf import settings
from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=settings.ROLE_VISITOR)


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=settings.ROLE_VISITOR).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_service_accounts")]

    operations = [migrations.RunPython(create_role, remove_role)]
