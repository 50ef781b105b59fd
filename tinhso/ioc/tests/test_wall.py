"""The operations-centre wall (``/dieu-hanh/man-hinh/``) through Django's test client, on the
hand-built province of ``test_indicators``: who may open it, the kiosk's display token (opens the
wall and its fragment only, refused once revoked), the refreshed fragment, the alerts, and the
landing page of an operations-centre viewer after sign-in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tinhso.core.models import AuditEvent
from tinhso.ioc.models import DisplayToken
from tinhso.ioc.services import display_token_create, display_token_revoke

from .test_indicators import province  # noqa: F401  (the hand-built province fixture)
from .test_views import client_for, pages, text_of, tile

pytestmark = pytest.mark.django_db

WALL = "/dieu-hanh/man-hinh/"
HTMX = {"HX-Request": "true"}


def test_the_wall_is_for_province_wide_viewers_and_linked_from_the_operations_centre(
    province,  # noqa: F811
):
    assert reverse("ioc:wall") == WALL
    response = Client().get(WALL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert client_for(province.world.desk).get(WALL).status_code == 404
    viewer = client_for(province.viewer)
    assert f'href="{WALL}"' in text_of(viewer.get(reverse("ioc:province")))
    html = text_of(viewer.get(WALL))
    assert 'data-testid="wall-back"' in html  # signed in: a way back to the full report
    for key in ("received_total", "on_time_rate", "overdue_now"):
        assert tile(html, key)[0] != "", key
    assert 'data-testid="wall-ranking"' in html and 'id="ioc-map"' in html
    assert "/dieu-hanh/xa/" in html  # signed in, a commune's marker opens its page
    # The same map as the full report: the offline base layer and its licences (issue 18).
    assert 'data-basemap="/static/maps/basemap_44.geojson"' in html
    assert "OpenStreetMap contributors, ODbL 1.0" in html
    # The hand-built province has one dossier overdue now (dossier #4), none due today.
    assert 'data-testid="alert-overdue" data-value="1"' in html
    assert 'data-testid="alert-due-today" data-value="0"' in html
    assert 'data-testid="index-note"' in html  # why the province scores above its agencies
    assert 'data-testid="index-note"' in text_of(viewer.get(reverse("ioc:province")))


def test_the_fragment_refreshes_itself_every_minute(province):  # noqa: F811
    html = text_of(client_for(province.viewer).get(WALL, headers=HTMX))
    assert html.lstrip().startswith('<div id="ioc-live"')
    assert "<html" not in html and f'hx-get="{WALL}"' in html
    assert 'hx-trigger="every 60s"' in html


def test_a_display_token_opens_the_wall_and_nothing_else(province):  # noqa: F811
    key = display_token_create(name="Phòng họp tầng 2")
    stored = DisplayToken.objects.get()
    assert key not in stored.key_hash and stored.prefix == key[4:12]  # only the hash is kept
    assert AuditEvent.objects.filter(action="ioc.display_token_create").exists()
    kiosk = Client()  # no session at all
    page = kiosk.get(f"{WALL}?kiosk={key}")
    html = text_of(page)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'data-testid="wall-back"' not in html and "site-menu" not in html  # no navigation
    assert "/dieu-hanh/xa/" not in html  # the map's markers link nowhere either
    assert tile(html, "received_total")[0] != ""
    fragment = text_of(kiosk.get(f"{WALL}?kiosk={key}", headers=HTMX))
    assert f'hx-get="{WALL}?kiosk={key}"' in fragment  # the refresh keeps the token
    assert DisplayToken.objects.get().last_used_at is not None
    # The token opens nothing else: the other operations-centre pages still want a login.
    for url in pages(province):
        response = kiosk.get(f"{url}?kiosk={key}")
        assert response.status_code == 302, url
    assert kiosk.get(f"/api/ioc/overview?kiosk={key}").status_code in (401, 403)
    assert kiosk.get(WALL, headers={"Authorization": f"Bearer {key}"}).status_code == 302
    # A wrong token, then the revoked one, are refused.
    assert kiosk.get(f"{WALL}?kiosk=tsw_wrong").status_code == 404
    assert display_token_revoke(prefix=stored.prefix) == 1
    assert kiosk.get(f"{WALL}?kiosk={key}").status_code == 404
    refresh = kiosk.get(f"{WALL}?kiosk={key}", headers=HTMX)  # the running wall reloads
    assert refresh.status_code == 204 and refresh["HX-Refresh"] == "true"


def test_wrong_display_tokens_are_rate_limited(province, settings):  # noqa: F811
    settings.TINHSO_RATE_WALL_BAD_TOKENS = "2/m"
    key = display_token_create(name="Sảnh")
    kiosk = Client()
    assert [kiosk.get(f"{WALL}?kiosk=tsw_guess{n}").status_code for n in range(3)] == [
        404,
        404,
        429,
    ]
    assert kiosk.get(f"{WALL}?kiosk={key}").status_code == 429  # the address waits it out


def test_the_command_creates_and_revokes_display_tokens(province, capsys):  # noqa: F811
    call_command("ioc_display_token", "create", "Sảnh bộ phận một cửa")
    address = capsys.readouterr().out.strip()
    assert address.startswith(f"{WALL}?kiosk=tsw_")
    assert Client().get(address).status_code == 200
    call_command("ioc_display_token", "revoke", DisplayToken.objects.get().prefix)
    assert Client().get(address).status_code == 404


def test_an_operations_centre_viewer_lands_on_the_operations_centre(province):  # noqa: F811
    after = reverse("portal:after_login")
    assert client_for(province.viewer).get(after)["Location"] == reverse("ioc:province")
    assert client_for(province.world.desk).get(after)["Location"] == reverse("workspace:inbox")
