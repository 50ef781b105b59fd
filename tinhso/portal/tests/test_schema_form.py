"""Forms generated from JSON Schema: widgets, parsing of posted strings, display of values."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _

from tinhso.portal.schema_form import build_fields, display_rows, display_value, parse_post

SCHEMA = {
    "type": "object",
    "required": ["name", "id_number", "born", "sex", "copies"],
    "properties": {
        "name": {"type": "string", "title": "Họ tên", "maxLength": 100},
        "id_number": {"type": "string", "title": "Số định danh", "pattern": "^[0-9]{12}$"},
        "phone": {"type": "string", "title": "Điện thoại", "pattern": "^0[0-9]{9}$"},
        "born": {"type": "string", "title": "Ngày sinh", "format": "date"},
        "sex": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "group": {
            "type": "string",
            "title": "Nhóm",
            "enum": ["A", "B", "C", "D", "E", "F"],
        },
        "copies": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 10},
        "capital": {"type": "number", "title": "Vốn (đồng)", "minimum": 0},
        "agree": {"type": "boolean", "title": "Đồng ý"},
        "email": {"type": "string", "title": "Thư điện tử", "format": "email"},
        "story": {"type": "string", "title": "Trình bày", "maxLength": 2000},
        "kinds": {
            "type": "array", "title": "Loại", "items": {"type": "string", "enum": ["X", "Y"]},
        },
        "notes": {"type": "array", "title": "Ghi chú", "items": {"type": "string"}},
        "address": {
            "type": "object",
            "title": "Địa chỉ",
            "required": ["street"],
            "properties": {"street": {"type": "string", "title": "Đường"}},
        },
    },
    "x-order": [
        "name", "id_number", "phone", "born", "sex", "group", "copies", "capital", "agree",
        "email", "story", "kinds", "notes", "address",
    ],
}  # fmt: skip


def _post(**values) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


def test_each_type_gets_its_input():
    fields = {f.path: f for f in build_fields(SCHEMA, {})}
    assert list(fields) == SCHEMA["x-order"]
    assert fields["name"].widget == "text" and fields["name"].attrs["maxlength"] == 100
    assert fields["name"].required and not fields["phone"].required
    assert fields["id_number"].attrs["inputmode"] == "numeric"
    assert fields["id_number"].help == _("%(count)d digits.") % {"count": 12}
    assert fields["phone"].input_type == "tel"
    assert fields["born"].input_type == "date"
    assert fields["sex"].widget == "radio" and fields["sex"].choices == ["Nam", "Nữ"]
    assert fields["group"].widget == "select"
    assert fields["copies"].widget == "integer" and fields["copies"].input_type == "text"
    assert fields["capital"].attrs["inputmode"] == "decimal"
    assert fields["agree"].widget == "checkbox"
    assert fields["email"].input_type == "email"
    assert fields["story"].widget == "textarea"
    assert fields["kinds"].widget == "checkboxes"
    assert fields["notes"].widget == "lines"
    assert fields["address"].widget == "group"
    assert [c.path for c in fields["address"].children] == ["address.street"]
    assert fields["address"].children[0].required
    assert fields["address"].children[0].name == "f-address.street"
    assert fields["address"].children[0].id == "f-address-street"


def test_values_and_errors_are_attached_to_their_fields():
    fields = build_fields(
        SCHEMA,
        {"name": "An", "kinds": ["Y"], "notes": ["a", "b"], "address": {"street": "Lê Lợi"}},
        {"name": "Quá dài", "address.street": "Bắt buộc"},
    )
    by_path = {f.path: f for f in fields}
    assert by_path["name"].text == "An"
    assert by_path["name"].error == "Quá dài"
    assert by_path["name"].describedby == "f-name-error"
    assert by_path["kinds"].selected == ["Y"]
    assert by_path["notes"].text == "a\nb"
    street = by_path["address"].children[0]
    assert street.text == "Lê Lợi" and street.error == "Bắt buộc"


def test_parse_post_types_the_values():
    data, errors = parse_post(
        SCHEMA,
        _post(**{
            "f-name": "  Nguyễn Văn An ",
            "f-id_number": "044090001234",
            "f-born": "2026-03-01",
            "f-sex": "Nam",
            "f-copies": "3",
            "f-capital": "1.500.000",
            "f-agree": "on",
            "f-kinds": ["X", "Y"],
            "f-notes": "một\n\n hai ",
            "f-address.street": "Lê Lợi",
            "f-email": "",
        }),
    )  # fmt: skip
    assert errors == {}
    assert data == {
        "name": "Nguyễn Văn An",
        "id_number": "044090001234",
        "born": "2026-03-01",
        "sex": "Nam",
        "copies": 3,
        "capital": 1500000,
        "agree": True,
        "kinds": ["X", "Y"],
        "notes": ["một", "hai"],
        "address": {"street": "Lê Lợi"},
    }


def test_parse_post_reports_values_of_the_wrong_kind():
    data, errors = parse_post(SCHEMA, _post(**{"f-copies": "ba", "f-capital": "2,5"}))
    assert data["copies"] == "ba"
    assert errors == {"copies": _("Enter a whole number.")}
    assert data["capital"] == 2.5
    assert data["agree"] is False  # an unticked box is a clear "no"
    assert "name" not in data  # empty inputs are left out, so "required" applies


def test_display_rows_read_like_a_person_writes():
    rows = display_rows(
        SCHEMA,
        {
            "name": "An",
            "born": "2026-03-01",
            "agree": True,
            "capital": 1500000,
            "notes": ["a", "b"],
            "address": {"street": "Lê Lợi"},
            "legacy": "x",
        },
    )
    shown = [(r.label, r.value) for r in rows]
    assert ("Họ tên", "An") in shown
    assert ("Ngày sinh", "01/03/2026") in shown
    assert ("Đồng ý", _("Yes")) in shown
    assert ("Vốn (đồng)", "1.500.000") in shown
    assert ("Ghi chú", "a; b") in shown
    assert ("Đường", "Lê Lợi") in shown and any(r.is_heading for r in rows)
    assert shown[-1] == ("legacy", "x")
    assert display_value({}, 2.5) == "2,5"
