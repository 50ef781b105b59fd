"""A web worker's one-time costs are paid by the warm-up thread it starts, not by a request."""

from __future__ import annotations

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
