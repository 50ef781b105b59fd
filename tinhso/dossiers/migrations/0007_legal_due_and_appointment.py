"""Split ``due_at`` into ``legal_due_at`` (judges timeliness) and ``appointment_at`` (shown).

Before this migration an apology letter (``extend``) replaced ``due_at``: ``due_at`` was the
appointment. Every dossier gets ``appointment_at = due_at``. Dossiers never extended keep
``legal_due_at = due_at``. For extended dossiers the legal due date is rebuilt from their
``extend`` events (each recorded ``old_due_at`` and ``new_due_at``): the due date before the first
letter, moved by the clock stops that came after it (the working time between each letter's new
date and the next letter's old date, and between the last new date and ``due_at``). A dossier whose
events lack those dates keeps ``due_at`` for both. Finished extended dossiers are then judged
again against the legal due date (the classification rule of ``services.classify``, frozen here).
Reversing sets ``due_at`` back to the appointment, as it was.

Dossiers waiting for the check of a supplement get their clock restarted at its arrival
(:func:`restart_supplied`).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def _calendar(apps):
    from tinhso.core import workcalendar

    overrides = apps.get_model("core", "CalendarOverride").objects.values_list(
        "date", "is_working_day"
    )
    return workcalendar.build_vietnam_calendar(
        range(2015, dt.date.today().year + 6),
        overrides=list(overrides),
        periods=workcalendar.parse_periods(settings.TINHSO_WORKING_HOURS),
        cutoff=workcalendar.parse_time(settings.TINHSO_RECEPTION_CUTOFF),
    )


def _legal_due(calendar, due_at, extensions):
    """The legal due date of a dossier extended by ``extensions`` (event data, in order)."""
    try:
        pairs = [
            (dt.datetime.fromisoformat(e["old_due_at"]), dt.datetime.fromisoformat(e["new_due_at"]))
            for e in extensions
        ]
    except (KeyError, TypeError, ValueError):
        return None
    if not pairs:
        return None
    waited = dt.timedelta(0)
    for (_old, new), (next_old, _next_new) in zip(pairs, pairs[1:], strict=False):
        waited += calendar.working_time_between(new, next_old)
    waited += calendar.working_time_between(pairs[-1][1], due_at)
    if waited < dt.timedelta(0):
        return None
    return calendar.add_working_time(pairs[0][0], waited)


def _classify(finished_at, due_at, supplements):
    if finished_at > due_at or supplements > 1:
        return "late"
    early = timezone.localtime(finished_at).date() < timezone.localtime(due_at).date()
    return "early" if early else "on_time"


def forwards(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    Dossier.objects.update(appointment_at=F("legal_due_at"))
    extended = Dossier.objects.filter(extension_count__gt=0, legal_due_at__isnull=False)
    if not extended.exists():
        return
    calendar = _calendar(apps)
    for dossier in extended.iterator():
        extensions = [
            event.data or {}
            for event in DossierEvent.objects.filter(dossier=dossier, action="extend").order_by(
                "seq"
            )
        ]
        legal = _legal_due(calendar, dossier.legal_due_at, extensions)
        if legal is None:
            continue
        dossier.legal_due_at = legal
        fields = ["legal_due_at"]
        if dossier.finished_at is not None and dossier.timeliness:
            dossier.timeliness = _classify(dossier.finished_at, legal, dossier.supplement_count)
            fields.append("timeliness")
        dossier.save(update_fields=fields)


def restart_supplied(apps, schema_editor):
    """Dossiers whose supplement arrived but is not yet checked: the clock restarts at the
    arrival (issue 16 point 3), as :func:`services._restart_clock` does, and the national status
    becomes 4. Not reversed: the previous code leaves a restarted clock alone."""
    Dossier = apps.get_model("dossiers", "Dossier")
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    waiting = Dossier.objects.filter(state="supplement_submitted", clock_stopped_at__isnull=False)
    if not waiting.exists():
        return
    calendar = _calendar(apps)
    for dossier in waiting.iterator():
        arrival = (
            DossierEvent.objects.filter(dossier=dossier, action="supplement")
            .order_by("-seq")
            .values_list("at", flat=True)
            .first()
        )
        if arrival is None:
            continue
        waited = calendar.working_time_between(dossier.clock_stopped_at, arrival)
        if waited > dt.timedelta(0):
            dossier.stopped_seconds += int(waited.total_seconds())
            for name in ("legal_due_at", "appointment_at", "step_due_at"):
                value = getattr(dossier, name)
                if value is not None:
                    setattr(dossier, name, calendar.add_working_time(value, waited))
        dossier.clock_stopped_at = None
        dossier.status = 4
        dossier.save()


def backwards(apps, schema_editor):
    Dossier = apps.get_model("dossiers", "Dossier")
    Dossier.objects.update(legal_due_at=F("appointment_at"))


_INDEXES = {
    "dossier_open_current": (
        ["current_agency", "state", "legal_due_at"],
        models.Q(closed_at__isnull=True),
    ),
    "dossier_list_to_receive": (
        ["receiving_agency", "legal_due_at", "submitted_at", "id"],
        models.Q(
            closed_at__isnull=True,
            state__in=("submitted", "withdraw_requested", "finished"),
        ),
    ),
    "dossier_list_running": (
        ["current_agency", "legal_due_at", "submitted_at", "id"],
        models.Q(closed_at__isnull=True, state__in=("received", "processing")),
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_head_without_prev_hash"),
        ("dossiers", "0006_random_file_names"),
    ]

    # The work-list indexes name the column: dropped before the rename, rebuilt after it.
    operations = [
        *[migrations.RemoveIndex(model_name="dossier", name=name) for name in _INDEXES],
        migrations.RenameField("dossier", "due_at", "legal_due_at"),
        migrations.AlterField(
            model_name="dossier",
            name="legal_due_at",
            field=models.DateTimeField(
                blank=True, db_index=True, null=True, verbose_name="legal due date"
            ),
        ),
        migrations.AddField(
            model_name="dossier",
            name="appointment_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="appointment for the result"
            ),
        ),
        *[
            migrations.AddIndex(
                model_name="dossier",
                index=models.Index(fields=fields, condition=condition, name=name),
            )
            for name, (fields, condition) in _INDEXES.items()
        ],
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(restart_supplied, migrations.RunPython.noop),
    ]
