"""The worlds built once per module (tinhso/testing/worlds.py): each test still starts from the
world as it was built, whatever the tests before it wrote."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from tinhso.core.models import AdministrativeUnit
from tinhso.testing.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.pg]
RENAMED = "Phường Đổi Tên"


@pytest.mark.parametrize("turn", [1, 2])
def test_a_test_writes_and_the_next_sees_the_world_as_built(one_stop_world, turn):
    commune = one_stop_world.commune
    assert commune.name == "Phường Đồng Hới"  # the Python object: the test's own copy
    assert AdministrativeUnit.objects.get(pk=commune.pk).name == "Phường Đồng Hới"
    assert not AdministrativeUnit.objects.filter(name=RENAMED).exists()
    assert not get_user_model().objects.filter(username__startswith="written-in-turn-").exists()
    commune.name = RENAMED
    commune.save()
    make_user(f"written-in-turn-{turn}")
    assert transaction.get_connection().in_atomic_block


def test_the_world_is_shared_within_the_module(one_stop_world, _one_stop_world_built):
    assert one_stop_world.commune.pk == _one_stop_world_built.commune.pk
    assert one_stop_world.commune is not _one_stop_world_built.commune


def test_the_rows_of_the_data_migrations_come_back_after_a_flush():
    """A test with committed data ends with a flush; the plugin writes the migrations' rows
    again after it (tinhso/testing/database.py), so no test depends on what ran before it."""
    from tinhso.ioc.models import ServiceIndexIndicator
    from tinhso.testing.database import restore_migrated_rows

    codes = set(ServiceIndexIndicator.objects.values_list("code", flat=True))
    assert codes, "the data migration ioc/0002_index_766 wrote the indicators"
    ServiceIndexIndicator.objects.all().delete()  # what a flush does to them
    restore_migrated_rows()
    assert set(ServiceIndexIndicator.objects.values_list("code", flat=True)) == codes


@pytest.mark.postgres_only
def test_postgresql_test_connections_skip_durability():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "off"
