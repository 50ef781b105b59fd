"""The ``tinhso`` command: a thin wrapper over manage.py.

``tinhso load-units --province 44`` runs ``manage.py load_units --province 44``; hyphens in the
command name become underscores. ``tinhso`` alone lists the commands.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
