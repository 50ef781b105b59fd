"""A stand-in public key infrastructure: a demo root CA, an intermediate CA, its OCSP responder and
CRLs, a timestamp authority, and the certificates of demo signers (``../shared/DOCUMENTS.md``).

Run as its own process: ``python -m tinhso.standins.pki --dir DIR --port 8794``. Nothing of it is
in git: the keys are generated at first start into ``DIR/keys`` (RSA 2048, as Circular 15/2025
allows), the certificates are made from them by certomancer, and the services (OCSP, CRL, TSA,
certificate repository) are served by certomancer's Animator on 127.0.0.1. After start-up the
process writes into ``DIR``: ``root.pem`` and ``interm.pem`` (the trust anchor and its
intermediate), ``<signer>.p12`` (each signer's key, certificate and chain, PKCS#12, password
``PFX_PASSWORD``) and ``urls.json`` (the service URLs), then prints its first line
``pki stand-in on http://127.0.0.1:PORT/``.

Signers: ``leader`` (a personal signature), ``agency`` (the organisation's signature),
``revoked`` (revoked on ``REVOKED_SINCE``, before any signing here) and ``expired`` (its validity
ended on ``EXPIRED_ON``). Besides them, the demo's officers listed in ``DIR/officers.json``
(label → subject: ``common-name``, ``organization-name``, ``title``), written by
:func:`issue_officers` (``manage.py load_demo_signing``): each gets a key, a certificate from the
issuing CA (answered by its OCSP responder) and ``DIR/officers/<label>.p12``; the demo
agencies' organisation keys are among them, EC P-256 (``tinhso.demo.signing``). Certomancer
makes the same certificates from the same keys and configuration (serials in the
configuration's order, fixed validity), so the files written offline before the process starts
are the ones it then answers for.

NSS (``pdfsig``) refuses OCSP responses whose times carry fractions of a second; certomancer
answers with the current time, so every request is given the current time rounded down to the
second through the Animator's time-override header.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ARCH = "tinhso-demo"
PFX_PASSWORD = b"tinhso-demo"
SIGNERS = ("leader", "agency", "revoked", "expired")
REVOKED_SINCE = "2026-01-01T00:00:00+0000"
EXPIRED_ON = "2025-12-31T00:00:00+0000"
KEYS = ("root", "interm", "interm-ocsp", "tsa", *SIGNERS)

ENTITIES = {
    "root": {"common-name": "tinhso Demo Root CA"},
    "interm": {"common-name": "tinhso Demo Issuing CA"},
    "interm-ocsp": {"common-name": "tinhso Demo OCSP Responder"},
    "tsa": {"common-name": "tinhso Demo Time Stamping Authority"},
    "leader": {
        "common-name": "Nguyễn Văn An",
        "title": "Chủ tịch",
        "organization-name": "Ủy ban nhân dân xã Demo",
    },
    "agency": {"common-name": "Ủy ban nhân dân xã Demo", "organization-name": "UBND xã Demo"},
    "revoked": {"common-name": "Trần Thị Bình (thu hồi)"},
    "expired": {"common-name": "Lê Văn Cường (hết hạn)"},
}


def _key_usage(*usages: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(usages)},
    }


def _signer_cert(label: str, **extra: Any) -> dict[str, Any]:
    return {
        "subject": label,
        "issuer": "interm",
        "validity": {
            "valid-from": "2025-01-01T00:00:00+0000",
            "valid-to": "2036-01-01T00:00:00+0000",
        },
        "extensions": [
            _key_usage("digital_signature", "non_repudiation"),
            {
                "id": "authority_information_access",
                "smart-value": {
                    "schema": "aia-urls",
                    "params": {
                        "ocsp-responder-names": ["interm"],
                        "ca-issuer-links": [{"repo": "interm"}],
                    },
                },
            },
            {
                "id": "crl_distribution_points",
                "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}},
            },
        ],
        **extra,
    }


OFFICERS_FILE = "officers.json"
OFFICERS_DIR = "officers"


def officers(directory: Path) -> dict[str, dict[str, str]]:
    """The demo officers' subjects (label → certomancer entity) listed in ``directory``."""
    path = directory / OFFICERS_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def config(key_dir: Path, extra: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """The certomancer configuration of the demo PKI (keys read from ``key_dir``), with the
    ``extra`` officers' certificates after the fixed signers'."""
    extra = extra or {}
    ca_extensions = [
        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
        _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
    ]
    certs: dict[str, Any] = {
        "root": {
            "subject": "root",
            "issuer": "root",
            "validity": {
                "valid-from": "2024-01-01T00:00:00+0000",
                "valid-to": "2045-01-01T00:00:00+0000",
            },
            "extensions": ca_extensions,
        },
        "interm": {
            "subject": "interm",
            "issuer": "root",
            "validity": {
                "valid-from": "2024-06-01T00:00:00+0000",
                "valid-to": "2040-01-01T00:00:00+0000",
            },
            "extensions": [
                *ca_extensions,
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        },
        "interm-ocsp": {
            "subject": "interm-ocsp",
            "issuer": "interm",
            "validity": {
                "valid-from": "2024-06-01T00:00:00+0000",
                "valid-to": "2040-01-01T00:00:00+0000",
            },
            "extensions": [
                _key_usage("digital_signature"),
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
        "tsa": {
            "subject": "tsa",
            "issuer": "root",
            "validity": {
                "valid-from": "2024-06-01T00:00:00+0000",
                "valid-to": "2040-01-01T00:00:00+0000",
            },
            "extensions": [
                _key_usage("digital_signature", "non_repudiation"),
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            ],
        },
        "leader": _signer_cert("leader"),
        "agency": _signer_cert("agency"),
        "revoked": _signer_cert(
            "revoked", revocation={"revoked-since": REVOKED_SINCE, "reason": "key_compromise"}
        ),
        "expired": {
            **_signer_cert("expired"),
            "validity": {
                "valid-from": "2024-07-01T00:00:00+0000",
                "valid-to": EXPIRED_ON,
            },
        },
        **{label: _signer_cert(label) for label in extra},
    }
    return {
        "keysets": {
            ARCH: {
                "path-prefix": str(key_dir),
                "keys": {label: {"path": f"{label}.key.pem"} for label in (*KEYS, *extra)},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN", "organization-name": "tinhso demo"},
                "entities": {**ENTITIES, **extra},
                "certs": certs,
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "interm-ocsp",
                            "signing-key": "interm-ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P30D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P7D",
                        },
                    },
                    "cert-repo": {
                        "root": {"for-issuer": "root", "publish-issued-certs": True},
                        "interm": {"for-issuer": "interm", "publish-issued-certs": False},
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def ensure_keys(key_dir: Path, extra: tuple[str, ...] = (), elliptic: tuple[str, ...] = ()) -> None:
    """Generate the keys that do not exist yet (never in git: made on this machine): RSA 2048,
    EC P-256 for the labels in ``elliptic`` (a few milliseconds each, against some 50 for RSA:
    the demo agencies' organisation keys, one per agency)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key_dir.mkdir(parents=True, exist_ok=True)
    for label in (*KEYS, *extra, *elliptic):
        path = key_dir / f"{label}.key.pem"
        if path.exists():
            continue
        if label in elliptic:
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)


def build(directory: Path, url_prefix: str):
    """The demo PKI architecture served at ``url_prefix``; writes its public files to
    ``directory`` (see the module's docstring)."""
    from certomancer.registry import CertomancerConfig

    extra = officers(directory)
    ensure_keys(directory / "keys", tuple(extra))
    cfg = CertomancerConfig(
        config(directory / "keys", extra),
        key_search_dir=str(directory),
        external_url_prefix=url_prefix,
    )
    arch = cfg.get_pki_arch(ARCH)
    for label in ("root", "interm", "tsa"):
        (directory / f"{label}.pem").write_bytes(_pem(arch.get_cert(label).dump()))
    for signer in SIGNERS:
        (directory / f"{signer}.p12").write_bytes(
            arch.package_pkcs12(signer, password=PFX_PASSWORD)
        )
        (directory / f"{signer}.pem").write_bytes(_pem(arch.get_cert(signer).dump()))
    if extra:
        (directory / OFFICERS_DIR).mkdir(exist_ok=True)
    for label in extra:
        path = directory / OFFICERS_DIR / f"{label}.p12"
        path.write_bytes(arch.package_pkcs12(label, password=PFX_PASSWORD))
        path.chmod(0o600)
        (directory / OFFICERS_DIR / f"{label}.pem").write_bytes(_pem(arch.get_cert(label).dump()))
    base = f"{url_prefix}/{ARCH}"
    urls = {
        "tsa": f"{base}/tsa/tsa",
        "ocsp": f"{base}/ocsp/interm",
        "crl": f"{base}/crls/interm/latest.crl",
    }
    (directory / "urls.json").write_text(json.dumps(urls, indent=2))
    return cfg


def issue_officers(
    directory: Path,
    url_prefix: str,
    people: dict[str, dict[str, str]],
    elliptic: tuple[str, ...] = (),
) -> None:
    """Certificates for the demo's officers (label → subject), made offline into ``directory``
    (before the process serves them: it reads the same list at its start). Labels are kept:
    ``officers.json`` only grows, so a certificate once registered stays the one issued. The
    labels in ``elliptic`` get EC P-256 keys (made here, before :func:`build` would make RSA)."""
    directory.mkdir(parents=True, exist_ok=True)
    before = officers(directory)
    listed = {**before, **people}
    made = all((directory / OFFICERS_DIR / f"{label}.p12").is_file() for label in listed)
    urls = directory / "urls.json"
    same_place = urls.is_file() and json.loads(urls.read_text())["tsa"].startswith(url_prefix + "/")
    if listed == before and made and same_place:
        return  # nothing new: the files written before are the ones the PKI answers for
    (directory / OFFICERS_FILE).write_text(
        json.dumps(listed, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    ensure_keys(directory / "keys", elliptic=elliptic)
    build(directory, url_prefix)


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
    ).encode()


def _whole_seconds(app):
    """WSGI middleware: the Animator answers at the current time rounded down to the second."""
    from certomancer.integrations._animator_shared import FAKE_TIME_HEADER

    header = "HTTP_" + FAKE_TIME_HEADER.upper().replace("-", "_")

    def wrapped(environ, start_response):
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        environ[header] = now.isoformat()
        return app(environ, start_response)

    return wrapped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8794)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from werkzeug.serving import make_server

    holder: dict[str, Any] = {}

    def app(environ, start_response):
        return holder["app"](environ, start_response)

    server = make_server(args.host, args.port, app, threaded=True)
    url = f"http://{args.host}:{server.port}"
    args.dir.mkdir(parents=True, exist_ok=True)
    cfg = build(args.dir, url)
    holder["app"] = _whole_seconds(
        Animator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False, allow_time_override=True)
    )
    print(f"pki stand-in on {url}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
