from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from tinhso.core.audit import audit_verify
from tinhso.core.errors import DomainError
from tinhso.core.models import AuditEvent
from tinhso.procedures.models import Procedure, ProcessStep, Sector
from tinhso.procedures.services import (
    COLUMNS,
    catalogue_export_rows,
    catalogue_import,
    procedure_check_schema,
    procedure_validate_form,
    read_csv,
    read_xlsx,
    write_csv,
    write_xlsx,
)
from tinhso.testing.factories import CATALOGUE_FORM as BIRTH_FORM
from tinhso.testing.factories import catalogue_row, catalogue_rows, make_agencies
from tinhso.testing.factories import make_catalogue_procedure as make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Assertions below read the English message ids; one test checks the Vietnamese."""
    with translation.override("en"):
        yield


@pytest.fixture
def agencies():
    return make_agencies()


def _bad_rows() -> list[dict[str, str]]:
    rows = catalogue_rows()
    rows.append(catalogue_row(code="1.0011", name="Mã sai"))
    rows.append(
        catalogue_row(
            code="1.000894",
            processing_hours="4",
            fee_vnd="-5",
            process=json.dumps(
                [{"name": "A", "role": "leader", "agency": "deciding", "share": 90}]
            ),
            form='{"type": "object", "properties": {"a": {"type": "strin"}}}',
        )
    )
    return rows


# --- Import ----------------------------------------------------------------------------------


def test_import_creates_everything(agencies):
    progress = []
    report = catalogue_import(
        actor=None, rows=catalogue_rows(), progress=lambda done, total: progress.append(done)
    )
    assert report.ok and report.written
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert progress == [1, 2, 3]
    birth = Procedure.objects.get(code="1.001193")
    assert birth.levels == ["commune"]
    assert birth.search_text.startswith("dang ky khai sinh")
    assert [s.share for s in birth.steps.order_by("order")] == [10, 60, 30]
    assert birth.components.count() == 2
    assert birth.results == ["Giấy khai sinh", "Bản điện tử Giấy khai sinh"]
    assert birth.form_schema["x-order"] == ["child_name", "birth_date", "sex"]
    records = Procedure.objects.get(code="2.000908.H44.03")
    assert records.deciding_department == agencies["so_tu_phap"]
    assert records.receiving_slot == "service_centre"
    assert records.fee_vnd == 200000
    marriage = Procedure.objects.get(code="1.000656")
    assert marriage.processing_hours == Decimal(4) and marriage.processing_days is None
    assert Sector.objects.count() == 2
    event = AuditEvent.objects.get(action="catalogue.import")
    assert sorted(event.after["created"]) == sorted(r["code"] for r in catalogue_rows())
    assert list(audit_verify()) == []


def test_second_import_is_unchanged(agencies):
    catalogue_import(actor=None, rows=catalogue_rows())
    report = catalogue_import(actor=None, rows=catalogue_rows())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    # A repeated import writes nothing, so it leaves no audit entry either.
    assert AuditEvent.objects.filter(action="catalogue.import").count() == 1


def test_changed_row_updates_in_place(agencies):
    catalogue_import(actor=None, rows=catalogue_rows())
    step_ids = list(
        ProcessStep.objects.filter(procedure__code="1.001193")
        .order_by("order")
        .values_list("id", flat=True)
    )
    rows = catalogue_rows()
    steps = json.loads(rows[0]["process"])
    steps[1]["share"], steps[2]["share"] = 50, 40
    rows[0]["process"] = json.dumps(steps)
    rows[0]["fee_vnd"] = "8000"
    report = catalogue_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert report.updated_codes == ["1.001193"]
    birth = Procedure.objects.get(code="1.001193")
    assert birth.fee_vnd == 8000
    # Steps are updated in place: dossiers pointing at them keep their references.
    assert list(birth.steps.order_by("order").values_list("id", flat=True)) == step_ids
    assert [s.share for s in birth.steps.order_by("order")] == [10, 50, 40]


def test_all_or_nothing_rejects_the_whole_file(agencies):
    report = catalogue_import(actor=None, rows=_bad_rows(), mode="all_or_nothing")
    assert not report.ok and not report.written
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert [item.row for item in report.rejected] == [5, 6]
    assert Procedure.objects.count() == 0
    assert Sector.objects.count() == 0
    assert not AuditEvent.objects.filter(action="catalogue.import").exists()
    code, reasons = report.rejected[0].code, report.rejected[0].reasons
    assert code == "1.0011" and "not a procedure code" in reasons[0]
    reasons = " | ".join(report.rejected[1].reasons)
    for expected in ("exactly one of", "fee", "100%", "JSON Schema"):
        assert expected in reasons


def test_per_row_writes_the_good_rows(agencies):
    report = catalogue_import(actor=None, rows=_bad_rows(), mode="per_row")
    assert report.written
    assert report.created == 3
    assert [(item.row, item.code) for item in report.rejected] == [(5, "1.0011"), (6, "1.000894")]
    assert set(Procedure.objects.values_list("code", flat=True)) == {
        "1.001193",
        "2.000908.H44.03",
        "1.000656",
    }
    event = AuditEvent.objects.get(action="catalogue.import")
    assert event.after["rejected"] == [5, 6]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"code": "1.001193.h44"}, "invalid agency code"),
        ({"levels": "district"}, "levels"),
        ({"receiving_agency": "department"}, "department by its key"),
        ({"deciding_agency": "so_khong_co"}, "unknown agency"),
        ({"processing_days": "", "processing_hours": ""}, "exactly one"),
        ({"processing_days": "0.25"}, "between 0.5"),
        ({"fee_vnd": "12.5"}, "whole number"),
        ({"online_mode": "level4"}, "online mode"),
        ({"components": '[{"name": "A", "kind": "photo"}]'}, "unknown kind"),
        ({"components": "[{"}, "not valid JSON"),
        (
            {"process": '[{"name": "A", "role": "boss", "agency": "deciding", "share": 100}]'},
            "role",
        ),
        ({"process": ""}, "non-empty"),
        ({"form": '{"type": "array"}'}, "object"),
        ({"sector_name": ""}, "sector name"),
    ],
)
def test_row_validation(agencies, overrides, fragment):
    report = catalogue_import(actor=None, rows=[catalogue_row(**overrides)])
    assert len(report.rejected) == 1
    assert fragment in " | ".join(report.rejected[0].reasons)


def test_duplicate_code_and_inconsistent_sector_in_one_file(agencies):
    rows = [
        catalogue_row(),
        catalogue_row(),
        catalogue_row(code="1.000656", sector_name="Hộ tịch (khác)"),
    ]
    report = catalogue_import(actor=None, rows=rows, mode="per_row")
    assert report.created == 1
    assert "twice" in report.rejected[0].reasons[0]
    assert "named differently" in report.rejected[1].reasons[0]


def test_unknown_mode_is_refused(agencies):
    with pytest.raises(DomainError):
        catalogue_import(actor=None, rows=[], mode="sometimes")


# --- Export and files ------------------------------------------------------------------------


def test_export_rows_round_trip(agencies):
    catalogue_import(actor=None, rows=catalogue_rows())
    rows = catalogue_export_rows()
    assert [row["code"] for row in rows] == ["1.000656", "1.001193", "2.000908.H44.03"]
    assert set(rows[0]) == set(COLUMNS)
    assert rows[0]["processing_hours"] == "4" and rows[0]["processing_days"] == ""
    assert rows[2]["deciding_agency"] == "so_tu_phap"
    report = catalogue_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_csv_round_trip(agencies, tmp_path):
    catalogue_import(actor=None, rows=catalogue_rows())
    path = tmp_path / "catalogue.csv"
    assert write_csv(path, catalogue_export_rows()) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for spreadsheet programs
    rows = read_csv(path)
    assert rows == catalogue_export_rows()
    report = catalogue_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    # An upload arrives as a binary file object.
    assert read_csv(io.BytesIO(path.read_bytes())) == rows


def test_xlsx_round_trip(agencies, tmp_path):
    catalogue_import(actor=None, rows=catalogue_rows())
    path = tmp_path / "catalogue.xlsx"
    assert write_xlsx(path, catalogue_export_rows()) == 3
    rows = read_xlsx(path)
    assert rows == catalogue_export_rows()
    report = catalogue_import(actor=None, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_xlsx_into_empty_database(agencies, tmp_path):
    """Export, wipe, import the file: the catalogue comes back the same."""
    catalogue_import(actor=None, rows=catalogue_rows())
    before = catalogue_export_rows()
    path = tmp_path / "catalogue.xlsx"
    write_xlsx(path, before)
    Procedure.objects.all().delete()
    report = catalogue_import(actor=None, rows=read_xlsx(path))
    assert report.created == 3
    assert catalogue_export_rows() == before


def test_file_without_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\n1.001193,A\n", encoding="utf-8")
    with pytest.raises(DomainError) as info:
        read_csv(path)
    assert info.value.code == "invalid_file"
    assert "sector_code" in info.value.details["missing"]


def test_semicolon_csv():
    """Spreadsheet programs in a Vietnamese locale save CSV with semicolons."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), delimiter=";")
    writer.writeheader()
    writer.writerows(catalogue_rows())
    assert read_csv(io.BytesIO(buffer.getvalue().encode("utf-8"))) == catalogue_rows()


# --- Commands --------------------------------------------------------------------------------


def test_import_command_all_or_nothing(agencies, tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(path, _bad_rows())
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_catalogue", str(path), stdout=out, stderr=err)
    assert info.value.returncode == 2
    assert "Row 5 (1.0011)" in err.getvalue()
    assert "5/5" in err.getvalue()  # the progress bar's last state
    assert Procedure.objects.count() == 0


def test_import_command_per_row_and_export(agencies, tmp_path):
    path = tmp_path / "bad.xlsx"
    write_xlsx(path, _bad_rows())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalogue", str(path), "--per-row", stdout=out, stderr=err)
    assert "3 created" in out.getvalue()
    assert "Row 6 (1.000894)" in err.getvalue()
    export = tmp_path / "out.csv"
    call_command("export_catalogue", str(export), stdout=out)
    assert len(read_csv(export)) == 3
    out = io.StringIO()
    call_command("import_catalogue", str(export), stdout=out, stderr=io.StringIO())
    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()


def test_import_command_refuses_other_extensions(tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text("{}")
    with pytest.raises(CommandError):
        call_command("import_catalogue", str(path))


# --- Forms -----------------------------------------------------------------------------------


def test_form_validation_lists_every_error(agencies):
    procedure = make_procedure()
    with pytest.raises(DomainError) as info:
        procedure_validate_form(
            procedure=procedure,
            data={"birth_date": "2025-02-30", "sex": "X", "extra": 1},
        )
    error = info.value
    assert error.code == "invalid_form"
    fields = {item["field"]: item["message"] for item in error.details["errors"]}
    assert set(fields) == {"child_name", "birth_date", "sex", "extra"}
    assert "required" in fields["child_name"]
    assert "date" in fields["birth_date"]


def test_form_errors_are_translated(agencies):
    procedure = make_procedure()
    with translation.override("vi"), pytest.raises(DomainError) as info:
        procedure_validate_form(procedure=procedure, data={"birth_date": "2025-07-01"})
    # Django's own Vietnamese catalogue already has this message.
    assert info.value.details["errors"] == [
        {"field": "child_name", "code": "required", "message": "Trường này là bắt buộc."}
    ]


def test_form_validation_accepts_good_data(agencies):
    procedure = make_procedure()
    data = {"child_name": "Nguyễn Văn An", "birth_date": "2025-07-01", "sex": "Nam"}
    assert procedure_validate_form(procedure=procedure, data=data) == data


def test_form_validation_without_form(agencies):
    procedure = make_procedure(form_schema={})
    assert procedure_validate_form(procedure=procedure, data={}) == {}
    with pytest.raises(DomainError) as info:  # no form: no key is part of it
        procedure_validate_form(procedure=procedure, data={"anything": 1})
    assert info.value.details["errors"][0]["code"] == "unknown_field"
    with pytest.raises(DomainError):
        procedure_validate_form(procedure=procedure, data=["not", "an", "object"])


def test_check_schema():
    procedure_check_schema(BIRTH_FORM)
    procedure_check_schema({})
    for bad in (
        [],
        {"type": "object", "properties": {"a": {"type": "strin"}}},
        {"type": "object", "properties": {"a": {}}, "x-order": ["b"]},
        {"type": "string"},
    ):
        with pytest.raises(DomainError) as info:
            procedure_check_schema(bad)
        assert info.value.code == "invalid_schema"


# --- Ways to receive the result -----------------------------------------------------------------


def test_delivery_column_names_the_ways_or_defaults_by_online_mode(agencies):
    rows = [
        catalogue_row(delivery="online; counter"),
        catalogue_row(code="1.000656", delivery="", online_mode="partial"),
        catalogue_row(code="1.000689", delivery="", online_mode="full"),
    ]
    report = catalogue_import(actor=None, rows=rows)
    assert report.ok, report.rejection_lines()
    methods = dict(Procedure.objects.values_list("code", "delivery_methods"))
    assert methods == {
        "1.001193": ["counter", "online"],
        "1.000656": ["counter", "post"],
        "1.000689": ["counter", "post", "online"],
    }
    refused = catalogue_import(actor=None, rows=[catalogue_row(delivery="counter;pigeon")])
    assert not refused.ok
    assert "pigeon" in " ".join(refused.rejection_lines())
