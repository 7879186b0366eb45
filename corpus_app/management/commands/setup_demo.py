from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

# Local demo accounts only: the command refuses to run with DEBUG off.
DEMO_ACCOUNTS = [
    {"username": "admin", "password": "desk-admin-demo", "group": None, "superuser": True},
    {"username": "viewer", "password": "desk-viewer-demo", "group": "Viewer", "superuser": False},
    {"username": "editor", "password": "desk-editor-demo", "group": "Editor", "superuser": False},
    {"username": "reviewer", "password": "desk-reviewer-demo", "group": "Reviewer", "superuser": False},
]


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts, one per role, and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the desk will be served.")

    def handle(self, *args, force, url, verbosity, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo accounts have public passwords; refusing with DEBUG off (use --force).")
        user_model = get_user_model()
        lines = []
        for account in DEMO_ACCOUNTS:
            group = None
            if account["group"]:
                group = Group.objects.filter(name=account["group"]).first()
                if group is None:
                    continue  # the role does not exist in this database
            user, _ = user_model.objects.get_or_create(username=account["username"])
            user.set_password(account["password"])
            user.is_superuser = user.is_staff = account["superuser"]
            user.save()
            if group is not None:
                user.groups.set([group])
            role = "superuser (admin site)" if account["superuser"] else account["group"]
            lines.append(f"  {account['username']:<10} {account['password']:<20} {role}")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (log in at {url}):"))
        self.stdout.write("\n".join(["  username   password             role", *lines]))
