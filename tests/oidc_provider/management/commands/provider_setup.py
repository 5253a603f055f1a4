"""Register xueshi as a client and add the test people: `provider_setup <json file>`.

The file: {"client_id", "client_secret", "redirect_uri", "users": [{"username", "password",
"name", "id_card_number"}]}. Run again, it updates (a test registers the live server's URL).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        data = json.loads(Path(options["path"]).read_text())
        application = Application.objects.filter(client_id=data["client_id"]).first()
        if application is None:
            application = Application(client_id=data["client_id"])
        application.name = "学时申报平台"
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.client_secret = data["client_secret"]
        application.redirect_uris = data["redirect_uri"]
        application.algorithm = Application.RS256_ALGORITHM
        application.skip_authorization = False
        application.save()
        for person in data.get("users", []):
            user, _ = User.objects.get_or_create(username=person["username"])
            user.first_name = person["name"]
            user.last_name = person["id_card_number"]
            user.set_password(person["password"])
            user.save()
