"""``python -m tinhso.standins.sso --port N``: the SSO stand-in (an OpenID Connect provider).

At start: its tables (``migrate --run-syncdb`` in its own SQLite file), the signing key and the
demo citizens when missing, and the client registration given on the command line (the demo's
``run-all`` passes the product's). The first line printed says where it listens (tests read it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

DEMO_PASSWORD = "vneid-demo"  # noqa: S105 - the stand-in's demo accounts
# The national claim set of the demo accounts. The first is the demo province's ``congdan1``
# (proven: matched by ID number); the second has level 1 only; the third has no account yet.
DEMO_CITIZENS = [
    {
        "SoDinhDanh": "044090001234",
        "HoVaTen": "Nguyễn Văn Đức",
        "NgayThangNamSinh": "15/03/1990",
        "GioiTinh": "Nam",
        "SoDienThoai": "0912345678",
        "ThuDienTu": "duc.nv@example.vn",
        "ThuongTru": "12 Quang Trung, Phường Đồng Hới, Quảng Trị",
        "NoiOHienNay": "12 Quang Trung, Phường Đồng Hới, Quảng Trị",
        "DiaChi": "12 Quang Trung, Phường Đồng Hới, Quảng Trị",
        "LoaiTaiKhoan": "CongDan",
        "loa": 2,
    },
    {
        "SoDinhDanh": "044188005678",
        "HoVaTen": "Lê Thị Hoa",
        "NgayThangNamSinh": "12/05/1988",
        "GioiTinh": "Nữ",
        "SoDienThoai": "0905111222",
        "ThuDienTu": "hoa.lt@example.vn",
        "DiaChi": "7 Hùng Vương, Phường Đồng Hới, Quảng Trị",
        "LoaiTaiKhoan": "CongDan",
        "loa": 1,
    },
    {
        "SoDinhDanh": "044201001111",
        "HoVaTen": "Phạm Minh Khoa",
        "NgayThangNamSinh": "02/09/2001",
        "GioiTinh": "Nam",
        "SoDienThoai": "0977333444",
        "ThuDienTu": "khoa.pm@example.vn",
        "DiaChi": "30 Lý Thường Kiệt, Phường Đồng Hới, Quảng Trị",
        "LoaiTaiKhoan": "CongDan",
        "loa": 2,
    },
]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tinhso.standins.sso", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8791, help="0: a free port")
    p.add_argument("--data-dir", default="", help="SQLite file and keys (default: a temp dir)")
    p.add_argument("--client-id", default="tinhso")
    p.add_argument("--client-secret", default="tinhso-sso-secret")
    p.add_argument("--redirect-uri", action="append", default=[], help="repeatable")
    p.add_argument("--post-logout-redirect-uri", action="append", default=[], help="repeatable")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def _register(args) -> None:
    from oauth2_provider.models import Application

    from .views import citizen_upsert

    for values in DEMO_CITIZENS:
        citizen_upsert({**values, "password": DEMO_PASSWORD})
    app = Application.objects.filter(client_id=args.client_id).first() or Application(
        client_id=args.client_id
    )
    app.name = "tinhso"
    app.client_type = Application.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    app.client_secret = args.client_secret  # hashed on save
    app.redirect_uris = " ".join(args.redirect_uri)
    app.post_logout_redirect_uris = " ".join(args.post_logout_redirect_uri)
    app.algorithm = Application.RS256_ALGORITHM
    app.skip_authorization = True
    app.save()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Handler(WSGIRequestHandler):
        def log_message(self, format, *a):
            if args.verbose:
                super().log_message(format, *a)

    server = ThreadedWSGIServer((args.host, args.port), Handler, allow_reuse_address=True)
    port = server.server_address[1]
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="sso-standin-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.standins.sso.settings"
    os.environ["TINHSO_SSO_STANDIN_DIR"] = data_dir
    os.environ["TINHSO_SSO_STANDIN_ISSUER"] = f"http://{args.host}:{port}/oauth2"

    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    _register(args)
    server.set_app(get_wsgi_application())
    print(f"sso stand-in on http://{args.host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
