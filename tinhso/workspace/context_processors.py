"""Navigation data for officers: whether the user is one, and the inbox counts."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from tinhso.core.selectors import user_roles


def _nav(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user_roles(user):
        return {"is_officer": False, "counts": {}, "total": 0}
    from tinhso.dossiers.selectors import inbox_counts

    # The inbox page has just counted its lists: reuse them rather than count twice.
    counts = getattr(request, "workspace_inbox_counts", None) or inbox_counts(user=user)
    waiting = ("to_receive", "to_process", "to_sign")
    return {"is_officer": True, "counts": counts, "total": sum(counts.get(b, 0) for b in waiting)}


def workspace_nav(request) -> dict:
    # Lazy: pages that never print the navigation pay nothing.
    return {"ws": SimpleLazyObject(lambda: _nav(request))}
