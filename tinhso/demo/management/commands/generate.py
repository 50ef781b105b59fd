import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.demo.history import analyze, generate_history, rebuild_rollups
from tinhso.procedures.management.commands._progress import ProgressBar


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Give the date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = (
        "Generate synthetic historical dossiers (and satisfaction ratings) on the existing "
        "agencies and procedures, for dashboards and benchmarks. No process-control rows "
        "(dossier events) are written. Running it again adds more dossiers; codes never collide "
        "(the same --seed repeats the same applicants and times under new codes: use another "
        "seed for different ones)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="How many dossiers to add.")
        parser.add_argument("--years", type=int, default=3, help="Years of history (default 3).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--end",
            type=_date,
            default=None,
            help="First day NOT generated, YYYY-MM-DD (default: today, Asia/Ho_Chi_Minh).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=50_000, help="Dossiers per transaction."
        )
        parser.add_argument(
            "--no-rollup", action="store_true", help="Do not rebuild the roll-ups afterwards."
        )

    def handle(self, *args, dossiers, years, seed, end, batch_size, no_rollup, **options):
        bar = ProgressBar(self.stderr)
        try:
            result = generate_history(
                dossiers=dossiers,
                years=years,
                seed=seed,
                end=end,
                batch_size=max(1000, batch_size),
                progress=bar,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Generated %(n)d dossiers and %(r)d ratings from %(first)s to %(last)s in "
                "%(s).1f s (%(rate)d dossiers/s)."
            )
            % {
                "n": result.dossiers,
                "r": result.ratings,
                "first": f"{result.first_day:%d/%m/%Y}",
                "last": f"{result.last_day:%d/%m/%Y}",
                "s": result.seconds,
                "rate": int(result.rows_per_second),
            }
        )
        if options["verbosity"] > 1:
            self.stdout.write(f"  states: {result.by_state}")
            self.stdout.write(f"  online share by year: {result.online_share_by_year}")
        if not result.dossiers:
            return
        began = time.perf_counter()
        analyze()
        analyzed = time.perf_counter() - began
        if analyzed > 0.05:
            self.stdout.write(_("Statistics refreshed (ANALYZE) in %(s).1f s.") % {"s": analyzed})
        if not no_rollup:
            seconds = rebuild_rollups()
            if seconds is not None:
                self.stdout.write(_("Roll-ups rebuilt in %(s).1f s.") % {"s": seconds})
