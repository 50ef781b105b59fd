"""In a browser: sign in with VNeID through the stand-in provider process, a level-2 procedure
refused at level 1 with a link to sign in at level 2, then submitted at level 2."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tinhso.dossiers.models import Dossier
from tinhso.testing.factories import make_world
from tinhso.testing.sso import allow_live_server, draft_ready, sign_in_with_vneid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOA = "044188005678"


def test_vneid_sign_in_and_a_level_2_procedure(desktop, live_server, provider, settings):
    allow_live_server(provider, live_server, settings)
    provider.citizen(SoDinhDanh=HOA, loa=1)
    world = make_world()
    world.procedure.min_assurance_level = 2
    world.procedure.save(update_fields=["min_assurance_level"])
    page = desktop.page

    sign_in_with_vneid(desktop, provider, HOA)
    assert "Bạn đã đăng nhập bằng VNeID (mức 1)" in page.content()
    desktop.check("signed in through VNeID at level 1")

    hoa = get_user_model().objects.get(applicant__personal_id=HOA)
    draft_ready(hoa, world)
    review = reverse("portal:submit_review", kwargs={"code": world.procedure.code})
    desktop.goto(review)
    assert "mức 2" in page.locator(".notice").inner_text()
    page.get_by_role("button", name=re.compile("Nộp hồ sơ")).click()
    page.wait_for_load_state()
    refusal = page.get_by_role("alert").inner_text()
    assert "mức 2" in refusal and "mức 1" in refusal
    assert not Dossier.objects.filter(submitted_by=hoa).exists()
    desktop.check("level 2 required: refused with a link")

    provider.citizen(SoDinhDanh=HOA, loa=2)  # the person upgrades to VNeID level 2
    page.locator("#sso-level-link").click()  # still signed in at the provider: straight back
    page.wait_for_url(desktop.url(review))
    assert "Bạn đã đăng nhập bằng VNeID (mức 2)" in page.content()
    assert provider.authorize_requests()[-1]["acr_values"] == "LoA2"
    page.get_by_role("button", name=re.compile("Nộp hồ sơ")).click()
    page.wait_for_url(re.compile(r".*/ho-so-cua-toi/[^/]+/bien-nhan/$"))
    dossier = Dossier.objects.get(submitted_by=hoa)
    assert dossier.code in page.content()
    desktop.check("submitted at level 2")

    page.get_by_role("button", name=re.compile("Đăng xuất")).click()
    page.wait_for_url(desktop.url("/"))
    assert "Bạn đã đăng xuất khỏi Cổng và khỏi VNeID" in page.content()
