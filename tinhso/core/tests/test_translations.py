"""The Vietnamese catalogue: complete, placeholders intact, and actually used.

Every user-facing string has an English msgid; ``tinhso/locale/vi/LC_MESSAGES/django.po`` must
translate each one. When :func:`test_every_msgid_is_translated` fails, run

    .venv/bin/python manage.py makemessages -l vi --ignore ".venv/*" --ignore "var/*" \\
        --ignore "bench/*" --no-obsolete

translate the entries it lists (no ``#, fuzzy``, no empty ``msgstr``), then ``make messages``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from tinhso.testing.factories import run_manage

PACKAGE_DIR = Path(settings.BASE_DIR) / "tinhso"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_PATH = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")


# ---- a small .po parser ----------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def parse_po(text: str) -> dict[tuple[str | None, str], dict]:
    """``{(msgctxt, msgid): {"msgid_plural", "msgstr": [..], "flags": {..}}}``, header excluded.

    Handles ``msgctxt``, strings continued over several lines, plural forms (``msgstr[n]``), the
    flags line (``#, fuzzy, python-format``); obsolete entries (``#~``) are skipped.
    """
    entries: dict[tuple[str | None, str], dict] = {}
    for block in re.split(r"\n[ \t]*\n", text):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        key = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"') and key:
                fields[key] += _unquote(line)
            else:
                key, _space, rest = line.partition(" ")
                fields[key] = _unquote(rest)
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        msgstrs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
        entries[(fields.get("msgctxt"), fields["msgid"])] = {
            "msgid_plural": fields.get("msgid_plural"),
            "msgstr": msgstrs,
            "flags": flags,
        }
    return entries


def _describe(key: tuple[str | None, str]) -> str:
    context, msgid = key
    return f"{msgid!r}" + (f" (context {context!r})" if context else "")


@pytest.fixture(scope="module")
def catalogue() -> dict[tuple[str | None, str], dict]:
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


# ---- (a) every string in the code is translated ---------------------------------------------


def _extract_msgids(tmp_path: Path) -> dict[tuple[str | None, str], dict]:
    """Run ``makemessages -l vi`` on a copy of the package and parse what it extracted.

    ``makemessages`` writes into the first of ``settings.LOCALE_PATHS`` (here the committed
    catalogue) unless told otherwise, so the run uses a settings module whose ``LOCALE_PATHS``
    is the copy's (empty) ``locale`` directory; the committed file must not change.
    """
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install gettext (scripts/system-deps.sh test).")
    tree = tmp_path / "tree"
    shutil.copytree(
        PACKAGE_DIR,
        tree / "tinhso",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "*.pyc"),
    )
    locale = tree / "tinhso" / "locale"
    locale.mkdir()
    settings_dir = tmp_path / "settings"
    settings_dir.mkdir()
    (settings_dir / "tinhso_i18n_check_settings.py").write_text(
        textwrap.dedent(
            f"""\
            from tinhso.settings import *  # noqa: F403

            LOCALE_PATHS = [{str(locale)!r}]
            """
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tinhso_i18n_check_settings",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(settings_dir), os.environ.get("PYTHONPATH")])
        ),
    }
    before = PO_PATH.read_bytes()
    result = run_manage(tree, "makemessages", "-l", "vi", "--no-obsolete", env=env, timeout=300)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert PO_PATH.read_bytes() == before, "makemessages wrote into the committed catalogue"
    extracted = locale / "vi" / "LC_MESSAGES" / "django.po"
    assert extracted.exists(), f"makemessages wrote no catalogue under {locale}:\n{result.stdout}"
    return parse_po(extracted.read_text(encoding="utf-8"))


def test_every_msgid_is_translated(tmp_path, catalogue):
    extracted = _extract_msgids(tmp_path)
    assert len(extracted) > 100, "makemessages found suspiciously few strings"
    problems = []
    for key, entry in sorted(extracted.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        committed = catalogue.get(key)
        if committed is None:
            problems.append(f"missing:   {_describe(key)}")
        elif "fuzzy" in committed["flags"]:
            problems.append(f"fuzzy:     {_describe(key)}")
        elif not committed["msgstr"] or not all(committed["msgstr"]):
            problems.append(f"empty:     {_describe(key)}")
        elif entry["msgid_plural"] != committed["msgid_plural"]:
            problems.append(f"plural:    {_describe(key)} (msgid_plural differs)")
    assert not problems, (
        f"{len(problems)} string(s) lack a Vietnamese translation in {PO_PATH}:\n"
        + "\n".join(problems)
    )


def test_catalogue_header_and_entries(catalogue):
    text = PO_PATH.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert '"Language: vi\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert "Project-Id-Version: tinhso" in header
    assert "fuzzy" not in header
    bad = [
        _describe(key)
        for key, entry in catalogue.items()
        if "fuzzy" in entry["flags"] or not entry["msgstr"] or not all(entry["msgstr"])
    ]
    assert not bad, "fuzzy or empty entries:\n" + "\n".join(bad)


# ---- (b) placeholders survive translation ----------------------------------------------------

_PERCENT = re.compile(
    r"%%|%\((?P<name>\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
)
_BRACE = re.compile(r"\{\{|\}\}|\{[^{}\s]*\}")


def placeholders(text: str, python_format: bool) -> tuple[set[str], list[str], set[str], bool]:
    """(named %-placeholders, positional ones in order, {brace} ones, a stray % remains)."""
    named, positional = set(), []
    if python_format:
        for match in _PERCENT.finditer(text):
            token = match.group(0)
            if token == "%%":
                continue
            if match.group("name"):
                named.add(token)
            else:
                positional.append(token)
        stray = "%" in _PERCENT.sub("", text)
    else:
        stray = False
    braces = {m.group(0) for m in _BRACE.finditer(text) if m.group(0) not in ("{{", "}}")}
    return named, positional, braces, stray


def test_placeholders_match(catalogue):
    problems = []
    for key, entry in catalogue.items():
        python_format = "python-format" in entry["flags"]
        sources = [key[1]] + ([entry["msgid_plural"]] if entry["msgid_plural"] else [])
        expected_named = set().union(*(placeholders(s, python_format)[0] for s in sources))
        expected_braces = set().union(*(placeholders(s, python_format)[2] for s in sources))
        expected_positional = placeholders(key[1], python_format)[1]
        for msgstr in entry["msgstr"]:
            named, positional, braces, stray = placeholders(msgstr, python_format)
            if named != expected_named or braces != expected_braces:
                problems.append(
                    f"{_describe(key)}: {sorted(named | braces)} "
                    f"!= {sorted(expected_named | expected_braces)}"
                )
            if python_format and not entry["msgid_plural"] and positional != expected_positional:
                problems.append(f"{_describe(key)}: {positional} != {expected_positional}")
            if stray:
                problems.append(f"{_describe(key)}: a lone % in {msgstr!r} (write %%)")
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_placeholder_helper():
    assert placeholders("%(n)d of %(total)s, 100%%", True) == (
        {"%(n)d", "%(total)s"},
        [],
        set(),
        False,
    )
    assert placeholders("tăng 100%.", True)[3] is True
    assert placeholders("{name} is {{literal}}", False)[2] == {"{name}"}


# ---- (c) Vietnamese is what users see --------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """Compile the .mo when it is missing or older than the .po (``make messages`` does too)."""
    if MO_PATH.exists() and MO_PATH.stat().st_mtime >= PO_PATH.stat().st_mtime:
        return
    import fcntl

    lock_path = Path(tempfile.gettempdir()) / "tinhso-compilemessages.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers may race here
        if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
            call_command("compilemessages", locale=["vi"], ignore_patterns=[".venv"], verbosity=0)
    # Catalogues already loaded in this process predate the .mo: drop them.
    from asgiref.local import Local
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    trans_real.translation_catalog_exists.cache_clear()


def test_national_status_is_vietnamese():
    from tinhso.dossiers.models import Channel, NationalStatus

    with translation.override("vi"):
        assert str(NationalStatus.SUBMITTED.label) == "Mới đăng ký"
        assert str(NationalStatus.RETURNED.label) == "Đã trả kết quả"
        assert str(Channel.POST.label) == "Qua dịch vụ bưu chính công ích"
    with translation.override("en"):
        assert str(NationalStatus.SUBMITTED.label) == "Newly submitted"


@pytest.mark.django_db
def test_domain_error_is_vietnamese():
    from tinhso.core.errors import DomainError
    from tinhso.core.services import units_load_province

    with translation.override("vi"), pytest.raises(DomainError) as excinfo:
        units_load_province(province_code="00")
    assert excinfo.value.code == "unknown_unit"
    assert str(excinfo.value).startswith("Mã tỉnh “00” không hợp lệ")


def test_validator_message_is_vietnamese():
    from tinhso.core.validators import validate_personal_id

    with translation.override("vi"):
        with pytest.raises(ValidationError) as excinfo:
            validate_personal_id("12345")
        assert excinfo.value.messages == [
            "Số định danh cá nhân phải có đúng 12 chữ số; đã nhập 5 chữ số."
        ]
        with pytest.raises(ValidationError) as excinfo:
            validate_personal_id("999123456789")
        assert excinfo.value.messages == [
            "Ba chữ số đầu (999) không phải mã tỉnh nơi đăng ký khai sinh."
        ]
