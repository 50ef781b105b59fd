"""The IOC API gives the selectors' figures, to the operations centre only, with clear errors."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tinhso.ioc.selectors.overviews import province_overview

from .test_indicators import Q1, province  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_overview_matches_the_selector(client, province):  # noqa: F811
    client.force_login(province.viewer)
    response = client.get("/api/ioc/overview", {"period": "2026-Q1"})
    assert response.status_code == 200
    body = response.json()
    expected = province_overview(user=province.viewer, period=Q1)
    assert body["indicators"]["received_total"]["value"] == 7
    assert body["indicators"]["on_time_rate"]["value"] == pytest.approx(2 / 3)
    assert body["index_766"]["points"] == expected["index_766"]["points"]
    assert [row["id"] for row in body["ranking"]] == [row["id"] for row in expected["ranking"]]
    agency = client.get(f"/api/ioc/agencies/{province.a.pk}", {"period": "2026-Q1"}).json()
    assert agency["indicators"]["received_total"]["value"] == 4
    commune = client.get(f"/api/ioc/communes/{province.commune_a.pk}", {"period": "2026"}).json()
    assert commune["indicators"]["received_total"]["value"] == 5  # April's dossier included


def test_xlsx_export(client, province):  # noqa: F811
    client.force_login(province.viewer)
    response = client.get("/api/ioc/overview.xlsx", {"period": "2026-Q1"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    first = wb.worksheets[0]
    values = {row[0].value: row[1].value for row in first.iter_rows(min_row=2)}
    assert 7 in values.values()
    assert len(wb.worksheets) == 5
    # Issue 18 point 7: the name column says what it names, not a person's "Họ và tên".
    names = {ws.title: ws.cell(1, 2).value for ws in wb.worksheets}
    assert (names["Cơ quan"], names["Các xã, phường"]) == ("Cơ quan", "Xã")


@pytest.mark.parametrize("period", ["2026-13", "20266", "2026-Q0", "x"])
def test_bad_period_is_a_structured_error(client, province, period):  # noqa: F811
    client.force_login(province.viewer)
    response = client.get("/api/ioc/overview", {"period": period})
    assert response.status_code in {400, 422}
    assert "error" in response.json()


def test_access(client, province):  # noqa: F811
    assert client.get("/api/ioc/overview").status_code == 401
    client.force_login(province.world.desk)
    response = client.get("/api/ioc/overview")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    client.force_login(province.viewer)
    assert client.get("/api/ioc/agencies/999999").status_code == 404
