"""The provider's claims: the person's name and ID number (a province's 统一身份认证 gives both)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class IdentityValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "id_card_number": "id_card"}

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        # The provider keeps the ID number in last_name and the name in first_name: a test
        # provider with Django's own user table.
        user = request.user
        return {"name": user.first_name, "id_card_number": user.last_name}
