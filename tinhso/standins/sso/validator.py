"""The stand-in's OAuth2 validator: the national claims in the id_token and at userinfo, and
the misbehaviour ``/control/`` asks for (wrong audience or issuer, expiry, stale nonce, a
signature by a key that is not the published one)."""

from __future__ import annotations

import base64
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
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

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if not control.current().get("bad_signature"):
            return signed
        # The same header (and key id) and claims, signed by another key.
        header, payload, _signature = signed.split(".")
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = other.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}." + base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
