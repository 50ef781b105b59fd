"""The one application form built from a procedure's JSON Schema (portal and counter): inputs,
reading of posted strings, the one schema check, and the one display of the stored data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tinhso.dossiers.tests.factories import VALID_FORM, make_world
from tinhso.portal.models import SubmissionDraft
from tinhso.portal.services import draft_open
from tinhso.procedures.forms import ApplicationForm, build_fields, display_rows, display_value
from tinhso.procedures.forms_schema import form_fields, with_field_order

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
    # Numbers from 10.000 on are grouped, whatever their type; years and counts are not.
    assert display_value({"type": "integer"}, 2025) == "2025"
    assert display_value({"type": "integer"}, 1250000) == "1.250.000"
    assert display_value({"type": "number"}, 12500.5) == "12.500,5"
    assert display_value({"type": "number"}, 1e21) == "1.000.000.000.000.000.000.000"
    assert display_value({"format": "date-time"}, "2026-03-01T01:30:00+00:00") == "08:30 01/03/2026"


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


# --- one form and one display on both sides ---------------------------------------------------


def _demo_schemas() -> list[dict]:
    """The application forms of the demo catalogue."""
    import tinhso.demo

    path = Path(tinhso.demo.__file__).parent / "data" / "catalogue.json"
    procedures = json.loads(path.read_text("utf-8"))["procedures"]
    return [with_field_order(item["form"]) for item in procedures if item.get("form")]


def _all_in_one(schemas: list[dict]) -> dict:
    """Every field of every form in one form (``p<n>_<name>``), so that two pages show them all."""
    properties, required = {}, []
    for n, schema in enumerate(schemas):
        for name, sub in form_fields(schema):
            properties[f"p{n}_{name}"] = sub
        required += [f"p{n}_{name}" for name in schema.get("required", [])]
    return with_field_order({"type": "object", "required": required, "properties": properties})


@pytest.mark.django_db
def test_every_demo_form_is_the_same_form_for_the_citizen_and_at_the_counter():
    schemas = _demo_schemas()
    assert len(schemas) >= 70
    for schema in schemas:
        paths = [item.path for item in ApplicationForm(schema=schema).inputs()]
        assert paths == [name for name, _sub in form_fields(schema)]
    world = make_world()
    world.procedure.form_schema = _all_in_one(schemas)
    world.procedure.save()
    citizen, desk = Client(), Client()
    citizen.force_login(world.citizen)
    desk.force_login(world.desk)
    draft = draft_open(actor=world.citizen, procedure=world.procedure)
    SubmissionDraft.objects.filter(pk=draft.pk).update(form_data={})  # no prefill
    code = world.procedure.code
    portal = citizen.get(reverse("portal:submit", args=[code])).content.decode()
    counter = desk.get(reverse("workspace:reception"), {"procedure": code}).content.decode()
    inputs = ApplicationForm(schema=world.procedure.form_schema).inputs()
    assert len(inputs) == sum(len(form_fields(schema)) for schema in schemas)
    for page in (portal, counter):
        at = 0
        for item in inputs:  # each input as the one template renders it, in the form's order
            html = render_to_string("procedures/_field.html", {"field": item})
            at = page.index(html, at) + len(html)


@pytest.mark.django_db
def test_citizen_and_officer_read_the_application_data_alike(client):
    from tinhso.dossiers.services import dossier_submit

    world = make_world()
    world.procedure.form_schema = with_field_order(
        {**world.procedure.form_schema, "properties": {
            **world.procedure.form_schema["properties"],
            "fee": {"type": "integer", "title": "Lệ phí (đồng)"},
            "year": {"type": "integer", "title": "Năm"},
        }}
    )  # fmt: skip
    world.procedure.save()
    data = {**VALID_FORM, "fee": 1250000, "year": 2025}
    dossier = dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=data, uploads=[]
    )
    # A field the procedure's form had when the dossier was submitted, removed since.
    type(dossier).objects.filter(pk=dossier.pk).update(form_data={**data, "old": "x"})
    dossier.refresh_from_db()
    rows = display_rows(world.procedure.form_schema, dossier.form_data)
    assert [(row.label, row.value) for row in rows] == [
        ("Họ, chữ đệm và tên", "Nguyễn Thị Bảo Ngọc"),
        ("Ngày sinh", "01/03/2026"),
        ("Giới tính", "Nữ"),
        ("Lệ phí (đồng)", "1.250.000"),
        ("Năm", "2025"),
        ("old", "x"),
    ]
    shown = render_to_string("procedures/_application_data.html", {"rows": rows})
    citizen, officer = Client(), Client()
    citizen.force_login(world.citizen)
    officer.force_login(world.desk)
    mine = citizen.get(reverse("portal:my_dossier", args=[dossier.code])).content.decode()
    theirs = officer.get(reverse("workspace:dossier", args=[dossier.code])).content.decode()
    assert shown in mine and shown in theirs


def test_a_choice_keeps_the_type_the_schema_gives_it():
    schema = {"type": "object", "properties": {"floors": {"type": "integer", "enum": [1, 2, 3]}}}
    form = ApplicationForm(_post(**{"f-floors": "2"}), schema=schema)
    assert form.is_valid(), form.errors
    assert form.data_for_schema() == {"floors": 2}
    assert form.inputs()[0].value == "2"  # the radio button shows as chosen


@override_settings(TINHSO_FORM_TEXT_MAX_LENGTH=20)
def test_a_draft_form_refuses_over_long_values_in_vietnamese_and_shows_the_cap():
    schema = {"type": "object", "properties": {"note": {"type": "string", "title": "Ghi chú"}}}
    with translation.override("vi"):
        draft = ApplicationForm(_post(**{"f-note": "x" * 21}), schema=schema, check_schema=False)
        assert not draft.is_valid()
        assert draft.errors["note"] == ["Nhập tối đa 20 ký tự."]
    (field,) = ApplicationForm(schema=schema).inputs()
    assert field.attrs["maxlength"] == 20  # the browser stops typing at the cap too
