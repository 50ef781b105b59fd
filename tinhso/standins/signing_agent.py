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
The browser talks to it with CORS allowed for ``--origin``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from tinhso.standins._server import JsonHandler, serve

ALL_MECHANISMS = ("rsassa_pss", "sha256_rsa")


class Agent:
    def __init__(self, p12: bytes, password: bytes, mechanisms: list[str], pin: str, origin: str):
        key, cert, chain = pkcs12.load_key_and_certificates(p12, password)
        self.key, self.cert, self.chain = key, cert, chain or []
        if isinstance(key, ec.EllipticCurvePrivateKey):
            mechanisms = ["sha256_ecdsa"]
        self.mechanisms, self.pin, self.origin = mechanisms, pin, origin
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


class Handler(JsonHandler):
    agent: Agent

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.agent.origin)
        self.send_header("Access-Control-Allow-Headers", "Content-Type, X-Pin")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        super().end_headers()

    def do_OPTIONS(self) -> None:
        self._answer(204, b"")

    def do_GET(self) -> None:
        if self.path == "/healthz":
            return self._answer(200, {"status": "ok"})
        if self.path == "/certificate":
            return self._answer(200, self.agent.describe())
        if self.path == "/_signed":
            with self.agent.lock:
                return self._answer(200, {"signed": list(self.agent.signed)})
        return self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path != "/sign":
            return self._answer(404, {"error": "not found"})
        if self.agent.pin and self.headers.get("X-Pin") != self.agent.pin:
            return self._answer(403, {"error": "wrong PIN"})
        body = self._json_body()
        if not isinstance(body, dict) or body.get("hash") != "sha256":
            return self._answer(400, {"error": "expected {data, hash: sha256, mechanism}"})
        mechanism = body.get("mechanism")
        if mechanism not in self.agent.mechanisms:
            return self._answer(400, {"error": f"mechanism not supported: {mechanism}"})
        try:
            data = base64.b64decode(str(body.get("data") or ""), validate=True)
        except (binascii.Error, ValueError):
            return self._answer(400, {"error": "data is not base64"})
        if not data:
            return self._answer(400, {"error": "nothing to sign"})
        value = self.agent.sign(data, mechanism)
        with self.agent.lock:
            self.agent.signed.append(base64.b64encode(data).decode())
        return self._answer(200, {"signature": base64.b64encode(value).decode()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8987)
    parser.add_argument("--p12", type=Path, required=True)
    parser.add_argument("--password", default="")
    parser.add_argument("--mechanisms", default=",".join(ALL_MECHANISMS))
    parser.add_argument("--pin", default="")
    parser.add_argument("--origin", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    agent = Agent(
        args.p12.read_bytes(),
        args.password.encode() or None,
        [m for m in args.mechanisms.split(",") if m],
        args.pin,
        args.origin,
    )
    handler = type("AgentHandler", (Handler,), {"agent": agent})
    serve(ThreadingHTTPServer((args.host, args.port), handler), "signing agent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
