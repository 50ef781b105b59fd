"""A stand-in of the national portal's SSO (VNeID accounts): an OpenID Connect provider built on
django-oauth-toolkit, run as its own process (``python -m tinhso.standins.sso --port N``) with
its own settings module and SQLite file, for ``make run`` and tests. Never imported by the
product.

Its demo citizens carry the national claim set (``SoDinhDanh``, ``HoVaTen``,
``NgayThangNamSinh``, ``GioiTinh``, ``SoDienThoai``, ``ThuDienTu``, ``DiaChi``, ``loAs`` …) and a
level of assurance each; ``/control/`` makes it misbehave on purpose for the tests (a wrong
audience or issuer, an expired id_token, a stale nonce, a token endpoint that is down).
"""
