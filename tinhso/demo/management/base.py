"""What the demo's commands share: a ``--province`` option and domain errors as command errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.core.errors import DomainError


class ProvinceCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--province", default=settings.TINHSO_DEMO_PROVINCE)

    def load(self, loader: Callable[[str], Any], province: str) -> Any:
        """``loader(province)``; a refused load stops the command with its message."""
        try:
            return loader(province)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
