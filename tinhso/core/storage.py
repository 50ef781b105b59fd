"""Where uploaded files are stored: privately, under names nobody can guess.

Every uploaded file (dossier components, supplements, scans and results, draft files, field
feedback photos) is private: it is read only through a view that checks who asks (the dossier's
download views, the report photo view, which serves a published report's photos to anyone).
:class:`PrivateFileSystemStorage`, the default storage, has no public URL at all (``.url`` raises),
and no URL pattern serves ``MEDIA_ROOT``, in any mode. :class:`RandomName` names each file with
128 random bits, so neither a dossier code nor a sequence number ever appears in a stored name.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils import timezone
from django.utils.deconstruct import deconstructible

_EXTENSION = re.compile(r"[a-z0-9]{1,8}")


class PrivateFileSystemStorage(FileSystemStorage):
    """``MEDIA_ROOT`` on the local disk, with no public URL: serve a file through a view."""

    def url(self, name: str | None) -> str:
        raise ValueError(f"{name!r} is private: it has no URL; a view that checks access serves it")


@deconstructible
class RandomName:
    """``upload_to`` of a private file: ``<folder>/<year>/<month>/<32 random hex>.<extension>``;
    of the name it is given, only a plain extension is kept."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        extension = PurePath(filename or "").suffix.lstrip(".").lower()
        suffix = f".{extension}" if _EXTENSION.fullmatch(extension) else ""
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def rename_stored_files(model: Any, field_name: str) -> None:
    """Give every stored file of ``model.field_name`` a random name (a data migration: files
    saved before :class:`RandomName` carry a dossier code or a report number)."""
    field = model._meta.get_field(field_name)
    storage = field.storage
    for pk, old in list(model.objects.exclude(**{field_name: ""}).values_list("pk", field_name)):
        if not storage.exists(old):
            continue
        with storage.open(old, "rb") as handle:
            new = storage.save(field.upload_to(None, old), handle)
        model.objects.filter(pk=pk).update(**{field_name: new})
        storage.delete(old)


def random_name_operations(
    app_label: str, model_name: str, field_name: str, folder: str, verbose_name: str
) -> list:
    """The migration operations that give a model's file field random names (``folder``) and
    rename the files it already stored (see :func:`rename_stored_files`)."""
    from django.db import migrations, models

    def rename(apps, schema_editor):
        rename_stored_files(apps.get_model(app_label, model_name), field_name)

    field = models.FileField(
        max_length=300, upload_to=RandomName(folder), verbose_name=verbose_name
    )
    return [
        migrations.AlterField(model_name=model_name.lower(), name=field_name, field=field),
        migrations.RunPython(rename, migrations.RunPython.noop),
    ]
