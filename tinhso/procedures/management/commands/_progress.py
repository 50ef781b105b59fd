"""A text progress bar for long commands: ``[#####.....] 120/600`` on one line of stderr."""

from __future__ import annotations

from django.core.management.base import OutputWrapper


class ProgressBar:
    def __init__(self, stream: OutputWrapper, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._last_filled = -1
        is_tty = getattr(getattr(stream, "_out", stream), "isatty", lambda: False)
        self.interactive = bool(is_tty())

    def __call__(self, done: int, total: int) -> None:
        if not self.interactive and done < total:
            return  # a log file gets the final bar only
        filled = self.width if total <= 0 else self.width * done // total
        # Redraw when the bar moves, every 50 rows, and at the end; not on every row.
        if filled == self._last_filled and done % 50 and done != total:
            return
        self._last_filled = filled
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r[{bar}] {done}/{total}", style_func=str, ending=end)
        self.stream.flush()
