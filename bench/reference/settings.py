"""tinhso's settings with the reference endpoints added to the URLconf (see ``__init__``)."""

from tinhso.settings import *  # noqa: F403

ROOT_URLCONF = "reference.urls"
