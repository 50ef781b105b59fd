"""The one application form built from a procedure's JSON Schema (portal and counter): inputs,
reading of posted strings, the one schema check, and the one display of the stored data."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _

from tinhso.procedures.forms import ApplicationForm, build_fields, display_rows, display_value

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


def _form(check_schema: bool = True, **values) -> ApplicationForm:
    return ApplicationForm(_post(**values), schema=SCHEMA, check_schema=check_schema)


def test_posted_strings_become_typed_json():
    form = _form(**{
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
    })  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.data_for_schema() == {
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
    # Dates as people write them; decimal commas; an unticked box is a clear "no".
    form = _form(**{"f-born": "14/02/2026", "f-capital": "12,5", "f-copies": "1 000"})
    data = form.data_for_schema()
    assert data["born"] == "2026-02-14" and data["capital"] == 12.5 and data["copies"] == 1000
    assert data["agree"] is False


def test_values_of_the_wrong_kind_are_kept_as_typed_with_their_error():
    form = _form(**{"f-copies": "ba", "f-capital": "2,5", "f-born": "31/02/2026"})
    assert not form.is_valid()
    data = form.data_for_schema()
    assert data["copies"] == "ba" and data["capital"] == 2.5 and data["born"] == "31/02/2026"
    assert form.errors["copies"] == [_("Enter a whole number.")]  # not "wrong type"
    assert form.errors["born"] == [_("Enter a valid date (YYYY-MM-DD).")]
    assert "name" not in data  # empty inputs are left out, so "required" applies
    assert form.errors["name"] == [_("This field is required.")]
    # A draft being saved: only what cannot be read is an error.
    draft = _form(check_schema=False, **{"f-copies": "ba"})
    assert set(draft.errors) == {"copies"}


def test_schema_errors_go_next_to_the_closest_field():
    form = _form(**{
        "f-name": "An", "f-id_number": "12", "f-born": "2026-03-01", "f-sex": "Khác",
        "f-copies": "11", "f-email": "khong-phai-email", "f-kinds": ["Z"],
    })  # fmt: skip
    assert not form.is_valid()
    assert set(form.errors) == {"id_number", "sex", "copies", "email", "kinds"}
    too_large = _("The value is too large (maximum %(limit)s).") % {"limit": 10}
    assert form.errors["copies"] == [too_large]
    # A nested object: its own field, or the fieldset when the object itself is wrong.
    form = _form(**{"f-address.street": ""})
    form.add_schema_errors([{"field": "address", "message": "Thiếu địa chỉ"}])
    assert form.errors["address"] == ["Thiếu địa chỉ"]
    # Unknown places are errors of the whole form (once each).
    unbound = ApplicationForm(schema=SCHEMA, initial_data={"name": "An"})
    unbound.add_schema_errors([{"field": "", "message": "Sai"}, {"field": "x.y", "message": "Sai"}])
    assert unbound.non_field_errors() == ["Sai"]
    assert unbound.inputs()[0].text == "An"


def test_inputs_carry_errors_and_ids_for_the_error_summary():
    form = _form(**{"f-copies": "ba", "f-address.street": ""})
    form.is_valid()
    form.add_schema_errors([{"field": "address.street", "message": "Bắt buộc"}])
    by_path = {item.path: item for item in form.inputs()}
    assert by_path["copies"].error == _("Enter a whole number.") and by_path["copies"].text == "ba"
    assert by_path["address"].children[0].error == "Bắt buộc"
    items = dict((input_id, (title, message)) for input_id, title, message in form.error_items())
    assert items["f-copies"] == ("Số bản", _("Enter a whole number."))
    assert "f-address-street" in items
    # Django's own view of the fields names and labels them the same way.
    assert form["copies"].auto_id == "f-copies" and form["copies"].html_name == "f-copies"
    assert form["address.street"].auto_id == "f-address-street"


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


# --- the cases of the counter (formerly its own builder) ----------------------------------

COUNTER_SCHEMA = {
    "type": "object",
    "required": ["name", "copies", "area", "agree"],
    "x-order": ["name", "copies", "area", "agree", "kind", "lines", "email"],
    "properties": {
        "name": {"type": "string", "title": "Họ tên", "maxLength": 10, "pattern": "^[^0-9]+$"},
        "copies": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 5},
        "area": {"type": "number", "title": "Diện tích", "minimum": 0},
        "agree": {"type": "boolean", "title": "Cam kết"},
        "kind": {"type": "string", "title": "Loại", "enum": ["A", "B"]},
        "lines": {"type": "array", "title": "Danh sách", "items": {"type": "string"}},
        "email": {"type": "string", "title": "Thư điện tử", "format": "email"},
    },
}


def counter_form(**values) -> ApplicationForm:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[f"f-{key}"] = value
    return ApplicationForm(data, schema=COUNTER_SCHEMA)


def test_application_form_builds_typed_json():
    f = counter_form(
        name="Lan", copies="2", area="12,5", agree="on", kind="B", lines="một\n\nhai\n"
    )
    assert f.is_valid(), f.errors
    assert f.data_for_schema() == {
        "name": "Lan",
        "copies": 2,
        "area": 12.5,
        "agree": True,
        "kind": "B",
        "lines": ["một", "hai"],
    }
    assert list(f.fields) == COUNTER_SCHEMA["x-order"]
    # An unticked box is false, a whole number stays whole.
    f = counter_form(name="Lan", copies="1", area="40")
    assert f.is_valid(), f.errors
    assert f.data_for_schema()["agree"] is False and f.data_for_schema()["area"] == 40


def test_application_form_reports_schema_errors_next_to_fields():
    f = counter_form(name="Lan 2", copies="9", area="-1", kind="C", email="khong-phai-email")
    assert not f.is_valid()
    assert set(f.errors) >= {"copies", "kind"}
    # Every rule is the schema's: one check, its messages next to the fields.
    f = counter_form(name="Lan 2", copies="2", area="3", email="khong-phai-email")
    assert not f.is_valid()
    assert set(f.errors) == {"name", "email"}
