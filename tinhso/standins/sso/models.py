"""A VNeID account of the stand-in: the national claim set and a level of assurance.

No migrations: the stand-in creates its tables with ``migrate --run-syncdb`` at start.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

# The claims the national SSO publishes (docs: ../shared/INTEGRATIONS.md); ``sub`` and ``loAs``
# are set from the row itself.
NATIONAL_CLAIMS = (
    "LoaiTaiKhoan",
    "SoDinhDanh",
    "HoVaTen",
    "NgayThangNamSinh",
    "GioiTinh",
    "ThuDienTu",
    "SoDienThoai",
    "ThuongTru",
    "NoiOHienNay",
    "MaSoThue",
    "MaSoDoanhNghiep",
    "TenDoanhNghiep",
    "DiaChi",
    "TechID",
)


class Citizen(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    sub = models.CharField(max_length=64, unique=True, default=uuid.uuid4)
    claims = models.JSONField(default=dict)
    loa = models.PositiveSmallIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.user.username} (LoA{self.loa})"

    def national_claims(self) -> dict:
        claims = {k: self.claims.get(k, "") for k in NATIONAL_CLAIMS}
        claims.update(sub=str(self.sub), TechID=str(self.sub), loAs=f"LoA{self.loa}")
        claims["acr"] = f"LoA{self.loa}"
        return claims
