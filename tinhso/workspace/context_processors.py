"""Navigation data for officers: whether the user is one, the inbox counts, and whether the
user may open the operations centre (a province-wide role or a superuser)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from tinhso.core.access import request_access


def _nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_officer": False, "is_ioc": False, "counts": {}, "total": 0}
    access = request_access(request)
    is_ioc = access.is_province_wide  # tinhso.ioc.selectors.overviews.can_view_ioc
    if not access.roles:
        return {"is_officer": False, "is_ioc": is_ioc, "counts": {}, "total": 0}
    from tinhso.dossiers.selectors import inbox_counts

    # The inbox page has just counted its lists: reuse them rather than count twice.
    counts = getattr(request, "workspace_inbox_counts", None) or inbox_counts(user=access)
    waiting = ("to_receive", "to_process", "to_sign", "supplement_check")
    return {
        "is_officer": True,
        "is_ioc": is_ioc,
        "counts": counts,
        "total": sum(counts.get(b, 0) for b in waiting),
    }


def workspace_nav(request) -> dict:
    # Lazy: pages that never print the navigation pay nothing.
    return {"ws": SimpleLazyObject(lambda: _nav(request))}
