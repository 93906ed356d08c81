"""One error hierarchy for the domain; `dispatch.api.exceptions` maps it to HTTP."""

from collections.abc import Iterable


class DispatchError(Exception):
    code = "error"

    def __init__(self, message: str, **extra) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotAllowed(DispatchError):
    """The caller may see the object but not do this (403)."""

    code = "not_allowed"


class NotVisible(DispatchError):
    """The caller may not even know the object exists (404)."""

    code = "not_found"


class Conflict(DispatchError):
    """The request conflicts with the current state (409)."""

    code = "conflict"


class PossibleDuplicate(Conflict):
    """A referral that looks like an open mission for the same patient; `duplicates` names them."""

    code = "possible_duplicate"


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, message: str, *, current: str, allowed: Iterable[str]) -> None:
        super().__init__(message, current_status=current, allowed=sorted(allowed))


class ValidationFailed(DispatchError):
    """Input that is well-formed but wrong for this case, per field (400)."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid input.")
        self.errors = errors
