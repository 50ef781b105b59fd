"""JSON Schemas of the Open311 GeoReport v2 responses, written from the specification
(http://wiki.open311.org/GeoReport_v2): field names, required fields, types and enumerations as
the specification's tables and examples give them. Shared by the API tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parses only the server's own output, in tests
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

# "All dates must be in w3 format, e.g. 2010-01-01T00:00:00Z" (ISO 8601 with a time zone).
W3C_DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}
NULLABLE_DATETIME = {"anyOf": [W3C_DATETIME, {"type": "null"}]}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": ["string", "null"]}
IDENTIFIER = {"type": ["string", "integer"], "minLength": 1}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": W3C_DATETIME,
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "format": "uri"},
                    "url": {"type": "string", "format": "uri"},
                    "changeset": W3C_DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}

SERVICE_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "additionalProperties": False,
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": NULLABLE_TEXT,
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": NULLABLE_TEXT,
            "group": NULLABLE_TEXT,
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "variable",
                    "code",
                    "datatype",
                    "required",
                    "datatype_description",
                    "order",
                    "description",
                ],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": NULLABLE_TEXT,
                    "order": {"type": "integer", "minimum": 0},
                    "description": {"type": "string", "minLength": 1},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": IDENTIFIER, "name": TEXT},
                        },
                    },
                },
                # "values … only used for list datatypes"
                "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
                "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}},
            },
        },
    },
}

SERVICE_REQUEST = {
    "type": "object",
    "required": [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ],
    "properties": {
        "service_request_id": IDENTIFIER,
        "status": {"enum": ["open", "closed"]},
        "status_notes": NULLABLE_TEXT,
        "service_name": NULLABLE_TEXT,
        "service_code": {"type": "string", "minLength": 1},
        "description": NULLABLE_TEXT,
        "agency_responsible": NULLABLE_TEXT,
        "service_notice": NULLABLE_TEXT,
        "requested_datetime": W3C_DATETIME,
        "updated_datetime": NULLABLE_DATETIME,
        "expected_datetime": NULLABLE_DATETIME,
        "address": NULLABLE_TEXT,
        "address_id": {"type": ["string", "integer", "null"]},
        "zipcode": {"type": ["string", "integer", "null"]},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
    },
}
SERVICE_REQUESTS = {"type": "array", "items": SERVICE_REQUEST}

# POST Service Request: either the id or a token (asynchronous creation), or both.
POST_RESPONSE = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "required": ["service_notice", "account_id"],
        "properties": {
            "service_request_id": IDENTIFIER,
            "token": IDENTIFIER,
            "service_notice": NULLABLE_TEXT,
            "account_id": {"type": ["string", "integer", "null"]},
        },
    },
}

TOKEN_RESPONSE = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "properties": {"service_request_id": IDENTIFIER, "token": IDENTIFIER},
    },
}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
    },
}


def validate(data: Any, schema: dict) -> None:
    """Raise on the first schema violation (formats checked where jsonschema knows them)."""
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(data)


# --- XML ----------------------------------------------------------------------------------

LIST_TAGS = {
    "services",
    "service_requests",
    "attributes",
    "values",
    "errors",
    "endpoints",
    "formats",
}


def xml_to_data(body: bytes) -> Any:
    """The XML document as plain data: containers → lists, elements → dicts, text → str."""
    root = ET.fromstring(body)  # noqa: S314 - the test's own server output

    def convert(element: ET.Element) -> Any:
        children = list(element)
        if element.tag in LIST_TAGS:
            return [convert(child) for child in children]
        if children:
            return {child.tag: convert(child) for child in children}
        return element.text

    return convert(root)


def as_xml_text(data: Any) -> Any:
    """JSON data as XML carries it: every scalar a string, null an empty element."""
    if isinstance(data, dict):
        return {key: as_xml_text(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_xml_text(value) for value in data]
    if data is None:
        return None
    if isinstance(data, bool):
        return "true" if data else "false"
    return str(data)
