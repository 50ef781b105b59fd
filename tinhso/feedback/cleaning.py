"""Field feedback input: each check raises a ``DomainError`` naming the form field at fault;
none writes to the database.

Free text reaches the public Open311 XML feed: :func:`clean_line` and the text checks here drop
the characters XML 1.0 forbids (:func:`tinhso.core.text.xml_safe`) before anything is stored."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, UnitLevel
from tinhso.core.text import xml_safe

from .boundary import province_boundary, province_code
from .models import AttributeType, Category

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 10


def parse_coordinates(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal] | None:
    """Both empty: None. One missing, not a number or out of range: DomainError."""
    lat_text = str(latitude if latitude is not None else "").strip().replace(",", ".")
    lng_text = str(longitude if longitude is not None else "").strip().replace(",", ".")
    if not lat_text and not lng_text:
        return None
    if not lat_text or not lng_text:
        raise DomainError(
            "location_incomplete",
            _("Give both the latitude and the longitude, or pick the place on the map."),
            field="location",
        )
    try:
        lat, lng = Decimal(lat_text), Decimal(lng_text)
    except InvalidOperation:
        raise DomainError(
            "location_invalid",
            _("The latitude and longitude must be numbers, e.g. 17.4685 and 106.6223."),
            field="location",
        ) from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(
            "location_invalid",
            _("The latitude must be between -90 and 90 and the longitude between -180 and 180."),
            field="location",
        )
    six = Decimal("0.000001")
    return lat.quantize(six), lng.quantize(six)


def check_in_province(lat: Decimal, lng: Decimal) -> None:
    boundary = province_boundary()
    if boundary is not None and not boundary.contains(lat, lng):
        raise DomainError(
            "location_outside",
            _(
                "The place (%(lat)s, %(lng)s) is outside the province: only problems inside "
                "%(province)s can be reported here."
            )
            % {"lat": lat, "lng": lng, "province": _province_name()},
            field="location",
        )


def _province_name() -> str:
    unit = AdministrativeUnit.objects.filter(
        level=UnitLevel.PROVINCE, code=province_code(), valid_to__isnull=True
    ).first()
    return unit.name if unit else _("the province")


def check_commune(commune: AdministrativeUnit | None) -> None:
    if commune is None:
        return
    if (
        commune.level != UnitLevel.COMMUNE
        or commune.valid_to is not None
        or commune.parent is None
        or commune.parent.code != province_code()
    ):
        raise DomainError(
            "commune_invalid",
            _("Choose a current commune or ward of the province."),
            field="commune",
        )


def check_category(category: Category | None) -> Category:
    if category is None or not category.is_active:
        raise DomainError("category_invalid", _("Choose a category."), field="category")
    if category.children.filter(is_active=True).exists():
        raise DomainError(
            "category_not_leaf",
            _("“%(name)s” is a group: choose one of its categories.") % {"name": category.name},
            field="category",
        )
    return category


def clean_line(text: str, limit: int) -> str:
    """A short free-text input (address, name, device id): XML-safe, trimmed, at most ``limit``."""
    return xml_safe(str(text or "")).strip()[:limit]


def clean_description(text: str) -> str:
    text = xml_safe(text or "").strip()
    if len(text) < MIN_DESCRIPTION:
        raise DomainError(
            "description_required",
            _("Describe the problem in a few words (at least %(n)d characters).")
            % {"n": MIN_DESCRIPTION},
            field="description",
        )
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(
            "description_too_long",
            _("The description is too long (at most %(n)d characters).") % {"n": MAX_DESCRIPTION},
            field="description",
        )
    return text


def clean_attributes(category: Category, raw: dict[str, Any] | None) -> dict[str, Any]:
    """Check the answers to the category's questions (Open311 attributes) by their data type."""
    raw = raw or {}
    cleaned: dict[str, Any] = {}
    for attribute in category.attributes.all():
        value = raw.get(attribute.code)
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        values = [xml_safe(str(v)).strip() for v in values if v is not None]
        values = [v for v in values if v]
        if not values:
            if attribute.required:
                raise DomainError(
                    "attribute_required",
                    _("Please answer: %(question)s") % {"question": attribute.description},
                    field=f"attr_{attribute.code}",
                )
            continue
        cleaned[attribute.code] = _clean_attribute_value(attribute, values)
    unknown = sorted(set(raw) - {a.code for a in category.attributes.all()})
    if unknown:
        raise DomainError(
            "attribute_unknown",
            _("Unknown attribute(s) for this category: %(codes)s.") % {"codes": ", ".join(unknown)},
            field="attributes",
        )
    return cleaned


def _clean_attribute_value(attribute, values: list[str]) -> Any:
    def bad(message: str) -> DomainError:
        return DomainError(
            "attribute_invalid",
            f"{attribute.description}: {message}",
            field=f"attr_{attribute.code}",
        )

    if attribute.datatype == AttributeType.MULTI:
        keys = attribute.value_names()
        if any(v not in keys for v in values):
            raise bad(_("choose among the listed values."))
        return sorted(set(values))
    if len(values) > 1:
        raise bad(_("give one value only."))
    value = values[0]
    if attribute.datatype == AttributeType.SINGLE:
        if value not in attribute.value_names():
            raise bad(_("choose one of the listed values."))
        return value
    if attribute.datatype == AttributeType.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise bad(_("a number is expected.")) from None
        if not number.is_finite():
            raise bad(_("a number is expected."))
        return str(number)
    if attribute.datatype == AttributeType.DATETIME:
        moment = parse_datetime(value)
        if moment is None:
            raise bad(_("a date and time is expected, e.g. 2026-01-15T08:30:00+07:00."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    limit = 255 if attribute.datatype == AttributeType.STRING else 2000
    if len(value) > limit:
        raise bad(_("at most %(n)d characters.") % {"n": limit})
    return value


def check_contact(email: str, media_url: str) -> None:
    try:
        if email:
            EmailValidator()(email)
    except ValidationError:
        raise DomainError("email_invalid", _("The e-mail address is not valid.")) from None
    try:
        if media_url:
            URLValidator(schemes=["http", "https"])(media_url)
    except ValidationError:
        raise DomainError("media_url_invalid", _("media_url must be an http(s) address.")) from None


def require_text(text: str, code: str, message: str, field: str, limit: int = 4000) -> str:
    text = xml_safe(text or "").strip()
    if not text:
        raise DomainError(code, message, field=field)
    if len(text) > limit:
        raise DomainError(
            "text_too_long",
            _("The text is too long (at most %(n)d characters).") % {"n": limit},
            field=field,
        )
    return text
