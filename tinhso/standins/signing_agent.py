"""A stand-in for the signing agent on an official's own computer (the Government Cipher
Committee's agent listens on 127.0.0.1:8987; ``../shared/DOCUMENTS.md``).

Run as its own process: ``python -m tinhso.standins.signing_agent --p12 FILE --password PW
--port 8987``. It holds the key of a PKCS#12 file as a token would, and answers:

- ``GET /certificate`` → ``{certificate: base64 DER, chain: [base64 DER], mechanisms: [...]}``
  (``--mechanisms`` restricts them, e.g. to ``sha256_rsa`` like most deployed tokens);
- ``POST /sign`` ``{data: base64, hash: "sha256", mechanism}`` → ``{signature: base64}``: signs
  the data (the DER of the signed attributes) with the key; an unknown mechanism or hash is
  refused with 400; ``--pin`` makes it require the header ``X-Pin`` (403 otherwise);
- ``GET /healthz``. It keeps a log of what it signed (``GET /_signed``) for tests.
The browser talks to it with CORS allowed for ``--origin`` (repeatable: the request's origin is
allowed when it is one of them).

**The demo's agent** (``make run``): every demo officer's browser is on the same computer, so one
agent holds all their tokens: ``--tokens FILE`` (JSON, slot → ``{"p12": file, "password": …}``,
written by ``manage.py load_demo_signing``; read again when a slot is not known yet) and answers
the same requests under ``/<slot>/`` (``/<slot>/certificate``, ``/<slot>/sign``), the slot being
the officer's user name: the demo's ``TINHSO_SIGNING_AGENT_URL`` is ``http://127.0.0.1:8796/{user}``
(``docs/signatures.md``), as if each officer's own computer held their own token.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import threading
import urllib.parse
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from tinhso.standins._server import JsonHandler, serve

ALL_MECHANISMS = ("rsassa_pss", "sha256_rsa")


class Agent:
    def __init__(self, p12: bytes, password: bytes | None, mechanisms: list[str], pin: str):
        key, cert, chain = pkcs12.load_key_and_certificates(p12, password)
        self.key, self.cert, self.chain = key, cert, chain or []
        if isinstance(key, ec.EllipticCurvePrivateKey):
            mechanisms = ["sha256_ecdsa"]
        self.mechanisms, self.pin = mechanisms, pin
        self.signed: list[str] = []
        self.lock = threading.Lock()

    def describe(self) -> dict:
        der = serialization.Encoding.DER
        return {
            "certificate": base64.b64encode(self.cert.public_bytes(der)).decode(),
            "chain": [base64.b64encode(c.public_bytes(der)).decode() for c in self.chain],
            "mechanisms": self.mechanisms,
        }

    def sign(self, data: bytes, mechanism: str) -> bytes:
        if isinstance(self.key, rsa.RSAPrivateKey) and mechanism == "rsassa_pss":
            return self.key.sign(
                data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256()
            )
        if isinstance(self.key, rsa.RSAPrivateKey):
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


class Tokens:
    """The demo's tokens, one per slot (``--tokens``): loaded when first asked for."""

    def __init__(self, path: Path, password: bytes | None, mechanisms: list[str], pin: str):
        self.path, self.password, self.mechanisms, self.pin = path, password, mechanisms, pin
        self.agents: dict[str, Agent] = {}
        self.lock = threading.Lock()

    def get(self, slot: str) -> Agent | None:
        with self.lock:
            if slot not in self.agents:
                listed = json.loads(self.path.read_text()) if self.path.is_file() else {}
                if slot not in listed:
                    return None
                token = listed[slot]
                password = token.get("password", "").encode() or self.password
                p12 = Path(token["p12"]).read_bytes()
                self.agents[slot] = Agent(p12, password, list(self.mechanisms), self.pin)
            return self.agents[slot]


class Handler(JsonHandler):
    agent: Agent | None = None
    tokens: Tokens | None = None
    origins: tuple[str, ...] = ()

    def end_headers(self) -> None:
        origin = self.headers.get("Origin", "")
        allowed = origin if origin in self.origins else (self.origins or ("",))[0]
        self.send_header("Access-Control-Allow-Origin", allowed)
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, X-Pin")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        super().end_headers()

    def _route(self) -> tuple[Agent | None, str]:
        """The token the request is for and the path under it (``/<slot>/…`` with ``--tokens``)."""
        path = urllib.parse.urlsplit(self.path).path
        if self.tokens is None or path == "/healthz":
            return self.agent, path
        slot, _, rest = path.lstrip("/").partition("/")
        return self.tokens.get(urllib.parse.unquote(slot)), "/" + rest

    def do_OPTIONS(self) -> None:
        self._answer(204, b"")

    def do_GET(self) -> None:
        agent, path = self._route()
        if path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if agent is None:
            return self._answer(404, {"error": "no token for this slot"})
        if path == "/certificate":
            return self._answer(200, agent.describe())
        if path == "/_signed":
            with agent.lock:
                return self._answer(200, {"signed": list(agent.signed)})
        return self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        agent, path = self._route()
        if agent is None or path != "/sign":
            return self._answer(404, {"error": "not found"})
        if agent.pin and self.headers.get("X-Pin") != agent.pin:
            return self._answer(403, {"error": "wrong PIN"})
        body = self._json_body()
        if not isinstance(body, dict) or body.get("hash") != "sha256":
            return self._answer(400, {"error": "expected {data, hash: sha256, mechanism}"})
        mechanism = body.get("mechanism")
        if mechanism not in agent.mechanisms:
            return self._answer(400, {"error": f"mechanism not supported: {mechanism}"})
        try:
            data = base64.b64decode(str(body.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            return self._answer(400, {"error": "data is not base64"})
        if not data:
            return self._answer(400, {"error": "nothing to sign"})
        value = agent.sign(data, mechanism)
        with agent.lock:
            agent.signed.append(base64.b64encode(data).decode())
        return self._answer(200, {"signature": base64.b64encode(value).decode()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8987)
    token = parser.add_mutually_exclusive_group(required=True)
    token.add_argument("--p12", type=Path, help="the one token of this computer")
    token.add_argument(
        "--tokens", type=Path, help="the demo's tokens: JSON, slot → {p12, password}"
    )
    parser.add_argument("--password", default="")
    parser.add_argument("--mechanisms", default=",".join(ALL_MECHANISMS))
    parser.add_argument("--pin", default="")
    parser.add_argument("--origin", action="append", help="an origin allowed (repeatable)")
    args = parser.parse_args(argv)
    password = args.password.encode() or None
    mechanisms = [m for m in args.mechanisms.split(",") if m]
    origins = tuple(args.origin or ["http://127.0.0.1:8000"])
    attributes: dict = {"origins": origins}
    if args.tokens:
        attributes["tokens"] = Tokens(args.tokens, password, mechanisms, args.pin)
    else:
        attributes["agent"] = Agent(args.p12.read_bytes(), password, mechanisms, args.pin)
    handler = type("AgentHandler", (Handler,), attributes)
    serve(ThreadingHTTPServer((args.host, args.port), handler), "signing agent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
