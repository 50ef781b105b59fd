"""Administrative units: loading province 44 (with its history), idempotency, roll-up."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, AuditEvent, UnitLevel, UnitSuccession
from tinhso.core.selectors import unit_successor_today
from tinhso.core.services import units_load_province
from tinhso.testing.database import console_script
from tinhso.testing.database import scratch_env as scratch_env_for

pytestmark = pytest.mark.django_db

LOAD_TOTAL = 1 + 78 + 2 + 2 + 18  # province, communes, old provinces, successions, districts


def _dump() -> tuple[list[dict], list[dict], int]:
    """Every row the loader may touch, and the length of the audit log."""
    units = list(AdministrativeUnit.objects.order_by("pk").values())
    successions = list(UnitSuccession.objects.order_by("pk").values())
    return units, successions, AuditEvent.objects.count()


def _unit(level: str, code: str, *, current: bool) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(level=level, code=code, valid_to__isnull=current)


def test_load_province_44_creates_78_communes_and_the_province():
    report = units_load_province(province_code="44")
    assert (report.created, report.updated, report.unchanged) == (LOAD_TOTAL, 0, 0)

    province = _unit(UnitLevel.PROVINCE, "44", current=True)
    assert province.name == "Quảng Trị"
    assert province.valid_from == dt.date(2025, 7, 1)
    assert province.parent is None
    communes = province.children.filter(level=UnitLevel.COMMUNE, valid_to__isnull=True)
    assert communes.count() == 78
    assert all(re.fullmatch(r"[0-9]{5}", code) for code in communes.values_list("code", flat=True))
    assert not communes.filter(valid_from__isnull=True).exists()
    assert AdministrativeUnit.objects.current().count() == 79


def test_load_province_44_loads_the_legacy_provinces_and_districts():
    units_load_province(province_code="44")
    new44 = _unit(UnitLevel.PROVINCE, "44", current=True)

    old44 = _unit(UnitLevel.PROVINCE, "44", current=False)
    old45 = _unit(UnitLevel.PROVINCE, "45", current=False)
    assert old44.name == "Tỉnh Quảng Bình"
    assert old45.name == "Tỉnh Quảng Trị"
    for old in (old44, old45):
        assert old.valid_to == dt.date(2025, 6, 30)
        succession = old.successions.get()
        assert succession.successor == new44
        assert succession.kind == "merge"
        assert succession.effective_on == dt.date(2025, 7, 1)

    assert old44.children.filter(level=UnitLevel.DISTRICT).count() == 8
    assert old45.children.filter(level=UnitLevel.DISTRICT).count() == 10
    districts = AdministrativeUnit.objects.filter(level=UnitLevel.DISTRICT)
    assert set(districts.values_list("valid_to", flat=True)) == {dt.date(2025, 6, 30)}


def test_without_history_only_the_new_units_are_loaded():
    report = units_load_province(province_code="44", with_history=False)
    assert report.created == 79
    assert not AdministrativeUnit.objects.filter(valid_to__isnull=False).exists()
    assert not UnitSuccession.objects.exists()


def test_loading_twice_changes_nothing():
    units_load_province(province_code="44")
    before = _dump()

    report = units_load_province(province_code="44")

    assert (report.created, report.updated, report.unchanged) == (0, 0, LOAD_TOTAL)
    assert not report.changed
    assert _dump() == before  # not one field of one row, and no new audit entry


def test_loading_repairs_a_changed_row_and_audits_it():
    units_load_province(province_code="44")
    commune = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).order_by("code").first()
    original_name = commune.name
    AdministrativeUnit.objects.filter(pk=commune.pk).update(name="Sai tên")
    entries = AuditEvent.objects.count()

    report = units_load_province(province_code="44")

    assert (report.created, report.updated) == (0, 1)
    commune.refresh_from_db()
    assert commune.name == original_name
    assert AuditEvent.objects.count() == entries + 1


def test_the_first_load_is_audited():
    units_load_province(province_code="44")
    event = AuditEvent.objects.get(action="units.load")
    assert event.after["province"] == "44"
    assert event.after["created"] == LOAD_TOTAL


def test_unknown_province_is_a_domain_error_and_writes_nothing():
    with pytest.raises(DomainError) as excinfo:
        units_load_province(province_code="99")
    assert excinfo.value.code == "unknown_unit"
    assert "99" in str(excinfo.value)
    assert not AdministrativeUnit.objects.exists()
    assert not AuditEvent.objects.exists()


# ---- the command --------------------------------------------------------------------------


def _numbers(text: str) -> list[int]:
    return sorted(int(n) for n in re.findall(r"[0-9]+", text))


def test_load_units_command_reports_counts_and_is_idempotent():
    out = StringIO()
    call_command("load_units", province="44", stdout=out)
    assert _numbers(out.getvalue()) == sorted([44, LOAD_TOTAL, 0, 0])
    before = _dump()

    out = StringIO()
    call_command("load_units", "--province", "44", stdout=out)
    # "Province 44: 0 created, 0 updated, 101 unchanged" (whatever the language)
    assert _numbers(out.getvalue()) == sorted([44, 0, 0, LOAD_TOTAL])
    assert _dump() == before


def test_load_units_command_unknown_province_raises_command_error():
    with pytest.raises(CommandError) as excinfo:
        call_command("load_units", province="99")
    assert "99" in str(excinfo.value)
    assert not AdministrativeUnit.objects.exists()


def test_cli_entry_point_translates_hyphens(tinhso_cli, capsys):
    tinhso_cli(["tinhso", "load-units", "--province", "44"])
    assert str(LOAD_TOTAL) in capsys.readouterr().out
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).count() == 78

    tinhso_cli(["tinhso", "load-units", "--province", "44"])
    assert _numbers(capsys.readouterr().out) == sorted([44, 0, 0, LOAD_TOTAL])


def test_cli_entry_point_unknown_province_exits_non_zero(tinhso_cli, capsys):
    with pytest.raises(SystemExit) as excinfo:
        tinhso_cli(["tinhso", "load-units", "--province", "99"])
    assert excinfo.value.code not in (0, None)
    err = capsys.readouterr().err
    assert "99" in err
    assert not AdministrativeUnit.objects.exists()


# ---- the installed console script, in a subprocess, on a throw-away SQLite database -------


def _tinhso_executable() -> str:
    command = console_script()
    if len(command) > 1:
        pytest.skip("the tinhso console script is not installed")
    return command[0]


@pytest.fixture
def scratch_env(tmp_path) -> dict[str, str]:
    return scratch_env_for(tmp_path / "var", tmp_path / "scratch.sqlite3")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [_tinhso_executable(), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


@pytest.mark.long
def test_console_script_on_a_fresh_database(scratch_env, migrated_sqlite):
    # The session's migrated file is this step: ``tinhso migrate`` on an empty SQLite file, made
    # once for every test that needs a migrated file (tinhso.testing.database).
    assert migrated_sqlite.command[:2] == [_tinhso_executable(), "migrate"]
    assert migrated_sqlite.returncode == 0, migrated_sqlite.stderr
    migrated_sqlite.copy_to(Path(scratch_env["TINHSO_SQLITE_PATH"]))

    bad = _run(["load-units", "--province", "99"], scratch_env)
    assert bad.returncode != 0
    message = bad.stderr.strip()
    assert message
    assert "99" in message
    assert "Traceback" not in bad.stderr

    good = _run(["load-units", "--province", "44"], scratch_env)
    assert good.returncode == 0, good.stderr
    assert _numbers(good.stdout) == sorted([44, LOAD_TOTAL, 0, 0])

    again = _run(["load-units", "--province", "44"], scratch_env)
    assert again.returncode == 0, again.stderr
    assert _numbers(again.stdout) == sorted([44, 0, 0, LOAD_TOTAL])


# ---- history: dated validity and roll-up --------------------------------------------------


def test_old_district_rolls_up_to_the_new_province(province44):
    le_thuy = _unit(UnitLevel.DISTRICT, "457", current=False)
    assert le_thuy.name == "Huyện Lệ Thủy"
    assert unit_successor_today(le_thuy) == province44


def test_old_provinces_and_their_districts_roll_up_to_the_new_province(province44):
    for unit in AdministrativeUnit.objects.filter(valid_to__isnull=False):
        assert unit_successor_today(unit) == province44


def test_a_current_unit_is_its_own_successor(province44):
    commune = province44.children.order_by("code").first()
    assert unit_successor_today(commune) == commune
    assert unit_successor_today(province44) == province44


def test_valid_on_before_the_reform(province44):
    units = AdministrativeUnit.objects.valid_on(dt.date(2025, 6, 1))
    assert set(units.filter(level=UnitLevel.PROVINCE).values_list("name", flat=True)) == {
        "Tỉnh Quảng Bình",
        "Tỉnh Quảng Trị",
    }
    assert units.filter(level=UnitLevel.DISTRICT).count() == 18
    assert not units.filter(level=UnitLevel.COMMUNE).exists()
    assert province44 not in units


def test_valid_on_after_the_reform(province44):
    units = AdministrativeUnit.objects.valid_on(dt.date(2025, 7, 2))
    assert units.filter(level=UnitLevel.COMMUNE).count() == 78
    assert list(units.filter(level=UnitLevel.PROVINCE)) == [province44]
    assert not units.filter(level=UnitLevel.DISTRICT).exists()


def test_valid_on_the_boundary_days(province44):
    last_old_day = AdministrativeUnit.objects.valid_on(dt.date(2025, 6, 30))
    first_new_day = AdministrativeUnit.objects.valid_on(dt.date(2025, 7, 1))
    assert last_old_day.filter(level=UnitLevel.PROVINCE).count() == 2
    assert not last_old_day.filter(level=UnitLevel.COMMUNE).exists()
    assert list(first_new_day.filter(level=UnitLevel.PROVINCE)) == [province44]
    assert first_new_day.filter(level=UnitLevel.COMMUNE).count() == 78


@pytest.mark.parametrize("spelling", ["044", " 44 ", "44"])
def test_province_code_spellings_name_the_same_province(spelling):
    """``--province 044`` once created a second current province "044" and moved the
    communes under it."""
    units_load_province(province_code="44")
    before = _dump()

    report = units_load_province(province_code=spelling)

    assert (report.created, report.updated) == (0, 0)
    assert _dump() == before
