"""A web worker's one-time costs are paid by the warm-up thread it starts, not by a request."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from django.template import engines

from tinhso.core import warmup
from tinhso.dossiers import pdf


def test_warm_up_in_a_thread_prepares_templates_urls_and_the_pdf_renderer():
    took: list[dict] = []
    steps = (warmup.urls, warmup.templates, warmup.pdf_forms)
    thread = threading.Thread(target=lambda: took.append(warmup.warm(steps)))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert set(took[0]) == {"urls", "templates", "pdf_forms"}
    assert "weasy" in pdf._cache  # fonts and stylesheet ready for the first form
    # The cached loader now holds the compiled pages (the first request compiles none).
    loader = engines["django"].engine.template_loaders[0]
    assert "base.html" in {key.split("-")[0] for key in loader.get_template_cache}


def test_a_failing_step_is_logged_and_skipped(caplog):
    def broken() -> None:
        raise RuntimeError("no")

    took = warmup.warm((broken, warmup.urls))
    assert set(took) == {"urls"}
    assert "warm-up step broken failed" in caplog.text


def test_loading_the_urls_leaves_the_pdf_libraries_to_their_first_use():
    """Every process that loads the URLs (web servers, workers, management commands, test
    workers) paid ~3 s for WeasyPrint and pyHanko when a module imported them at its top; they
    are imported where a PDF is drawn or a signature checked (the web worker's warm-up thread
    loads WeasyPrint off the request path)."""
    script = (
        "import sys, django; django.setup(); import tinhso.urls; "
        "print(sorted(m for m in ('weasyprint', 'pyhanko', 'fontTools') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.settings"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
