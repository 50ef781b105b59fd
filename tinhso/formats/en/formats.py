"""English UI, Vietnamese conventions: the province reads dates as dd/mm/yyyy in both languages."""

from tinhso.formats.vi.formats import *  # noqa: F403
