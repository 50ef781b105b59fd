"""The one-stop shop's builders, kept under this name for the tests and bench tools that import
them from here; they live in :mod:`tinhso.testing.factories` with every app's factories."""

from tinhso.testing.factories import (
    BIRTH_FORM,
    PDF_BYTES,
    VALID_FORM,
    World,
    make_procedure,
    make_user,
    make_world,
)

__all__ = [
    "BIRTH_FORM",
    "PDF_BYTES",
    "VALID_FORM",
    "World",
    "make_procedure",
    "make_user",
    "make_world",
]
