"""The stand-in's OAuth2 validator: the national claims in the id_token and at userinfo, and
the misbehaviour ``/control/`` asks for (wrong audience or issuer, expiry, stale nonce)."""

from __future__ import annotations

import time

from oauth2_provider.oauth2_validators import OAuth2Validator

from . import control
from .models import Citizen


class NationalValidator(OAuth2Validator):
    oidc_claim_scope = None  # every national claim goes with scope=openid, as at the real SSO

    def get_additional_claims(self, request):
        citizen = Citizen.objects.filter(user=request.user).first()
        return citizen.national_claims() if citizen else {}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        config = control.current()
        if config.get("audience"):
            claims["aud"] = config["audience"]
        if config.get("issuer"):
            claims["iss"] = config["issuer"]
        if config.get("id_token_ttl") is not None:
            claims["exp"] = int(time.time()) + int(config["id_token_ttl"])
            claims["iat"] = min(int(time.time()), claims["exp"] - 60)
        if config.get("nonce"):
            claims["nonce"] = config["nonce"]
        return claims, expiration
