"""Role checks shared by API, pages and consumers; roles are Django groups."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Role


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_dispatch_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._dispatch_roles = cached
    return cached


def is_coordinator(user) -> bool:
    """Coordinators run the centre; superusers act as coordinators so an admin is never locked out."""
    return Role.COORDINATOR in roles_of(user) or bool(getattr(user, "is_superuser", False))


def is_team_member(user) -> bool:
    return Role.TEAM_MEMBER in roles_of(user)


def is_referrer(user) -> bool:
    return Role.REFERRER in roles_of(user)


def referrer_hospital_id(user) -> int | None:
    """The one hospital a referrer speaks for; None if not a referrer or not bound."""
    if not is_referrer(user):
        return None
    profile = getattr(user, "profile", None)
    return profile.hospital_id if profile else None


def display_name(user) -> str:
    """How a person is named everywhere (timeline, board, SMS): full name, else login; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
