"""Who the test provider knows, and xueshi's registration with it (Xinjiang's SSO)."""

from __future__ import annotations

import datetime
from typing import Any

from xueshi.core.testing import make_id_number

from .server import Provider

CLIENT_ID = "xueshi-xinjiang"
CLIENT_SECRET = "provider-test-secret-0123456789"
PROVIDER_PASSWORD = "Provider@2026"
PROVIDER_NAME = "新疆政务服务网"
KNOWN = make_id_number("650102", datetime.date(1988, 3, 9), 7)
UNKNOWN = make_id_number("650102", datetime.date(1990, 6, 1), 9)
ADMIN = make_id_number("650102", datetime.date(1985, 1, 2), 3)
DISABLED = make_id_number("650102", datetime.date(1986, 8, 8), 5)
# Provider login name → (ID number, name).
PEOPLE = {
    "known": (KNOWN, "阿依古丽"),
    "unknown": (UNKNOWN, "王未注册"),
    "admin": (ADMIN, "李管理"),
    "disabled": (DISABLED, "赵停用"),
}


def xinjiang_on(provider: Provider, base_url: str, settings: Any) -> None:
    """Register xueshi at `base_url` with the provider, add the people there, and point
    Xinjiang's SSO at the provider."""
    provider.register(
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": f"{base_url}/accounts/sso/callback/",
            "users": [
                {
                    "username": username,
                    "password": PROVIDER_PASSWORD,
                    "name": name,
                    "id_card_number": id_number,
                }
                for username, (id_number, name) in PEOPLE.items()
            ],
        }
    )
    settings.SSO_PROVIDERS = {
        "xinjiang": {
            "name": PROVIDER_NAME,
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "scopes": "openid profile id_card",
            "timeout": 5,
        }
    }
    settings.SSO_CLIENT_SECRETS = {"xinjiang": CLIENT_SECRET}
