"""The core JSON API: administrative units."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_units_of_province_44(client, province44):
    response = client.get("/api/core/units", {"province": "44"})
    assert response.status_code == 200
    items = response.json()
    assert len(items) == 78
    assert {item["level"] for item in items} == {"commune"}
    assert {item["parent_code"] for item in items} == {"44"}
    assert {item["valid_to"] for item in items} == {None}
    assert {item["valid_from"] for item in items} == {"2025-07-01"}


def test_units_without_a_province_lists_every_current_unit(client, province44):
    items = client.get("/api/core/units").json()
    assert len(items) == 79


def test_one_unit(client, province44):
    commune = province44.children.order_by("code").first()
    response = client.get(f"/api/core/units/{commune.code}")
    assert response.status_code == 200
    assert response.json()["name"] == commune.name


def test_unknown_unit_is_a_structured_404(client, province44):
    response = client.get("/api/core/units/99999")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == "unknown_unit"
    assert "99999" in body["error"]["message"]


def test_a_past_unit_is_not_served_as_current(client, province44):
    response = client.get("/api/core/units/457")  # Lệ Thủy district, abolished 1 Jul 2025
    assert response.status_code == 404


def test_agencies_after_the_demo(client, demo44):
    items = client.get("/api/core/agencies").json()
    assert len(items) == 95
    committee = next(item for item in items if item["code"] == "H44")
    assert committee["parent_code"] is None
    assert committee["unit_code"] == "44"


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicated, f"duplicated keys {duplicated} in an object with keys {keys}"
    return dict(pairs)


def test_the_openapi_document_has_no_duplicate_key_and_is_valid(client):
    """Python's json keeps the last of two equal keys and openapi-spec-validator never sees the
    first; Swagger UI refuses the document ("duplicated mapping key"). So the served bytes are
    parsed with a hook that rejects duplicates, then validated."""
    from openapi_spec_validator import validate

    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content, object_pairs_hook=_no_duplicate_keys)
    validate(document)
    responses = document["paths"]["/api/dossiers/{code}"]["get"]["responses"]
    assert {"200", "404", "401", "422"} <= set(responses)
