"""Pay a process's one-time costs when it starts, not in the first requests it serves.

A fresh web worker spends seconds on its first requests: WeasyPrint's import, fonts and first
layout for a printed form, the holiday tables behind the working calendar (``holidays`` imports
every country), compiling the templates, building the URL resolver. ``tinhso/gunicorn_conf.py``
runs :func:`warm` in a background thread of each worker as it starts (``post_worker_init``), so
the worker answers at once and the first person to open a page does not wait for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import connections
from django.template import engines
from django.template.exceptions import TemplateSyntaxError
from django.urls import get_resolver

logger = logging.getLogger("tinhso.warmup")


def templates() -> int:
    """Compile every HTML template of the project into the cached loader; their count."""
    from django.template.utils import get_app_template_dirs

    engine = engines["django"]
    dirs = [*engine.engine.dirs, *get_app_template_dirs("templates")]
    count = 0
    for directory in dirs:
        for path in sorted(directory.rglob("*.html")):
            name = path.relative_to(directory).as_posix()
            try:
                engine.get_template(name)
            except TemplateSyntaxError:  # e.g. a vendored page that is no Django template
                continue
            count += 1
    return count


def urls() -> None:
    """Build the URL resolver's reverse tables (the first ``reverse`` otherwise does)."""
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 (the property populates the resolver)
    for namespace in resolver.namespace_dict:
        resolver.namespace_dict[namespace][1].reverse_dict  # noqa: B018


def work_calendar() -> None:
    from tinhso.core.selectors import work_calendar as calendar

    calendar()


def pdf_forms() -> None:
    from tinhso.dossiers.pdf import warm as warm_pdf

    warm_pdf()


STEPS: tuple[Callable[[], object], ...] = (urls, templates, work_calendar, pdf_forms)


def warm(steps: tuple[Callable[[], object], ...] = STEPS) -> dict[str, float]:
    """Run each step; the seconds each took. A step that fails is logged and skipped (the first
    request then pays its cost, as it would have without warming). Closes the database
    connections this thread opened."""
    took: dict[str, float] = {}
    try:
        for step in steps:
            start = time.perf_counter()
            try:
                step()
            except Exception:
                logger.warning("warm-up step %s failed", step.__name__, exc_info=True)
                continue
            took[step.__name__] = round(time.perf_counter() - start, 3)
    finally:
        connections.close_all()
    logger.info("warmed up", extra={"seconds": took})
    return took
