"""When a login stops being valid: tokens go, and whoever holds a live stream is told to re-check.

A password change or a deactivation deletes the user's tokens. Any of these announces
`credentials_changed` (user id), on which the live streams re-check who is connected:
a password change, a deactivation, a token deleted (revoked or by the above), a logout, and a
change of the user's groups (roles). Listeners (`dispatch.realtime`) subscribe; this module
knows none of them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import Signal
from rest_framework.authtoken.models import Token

from dispatch.accounts import tokens

# Sent with `user_id`: that user's open connections must prove their login again.
credentials_changed = Signal()

_WATCHED_FIELDS = {"password", "is_active", "is_superuser"}


def _remember_login_state(sender, instance, update_fields=None, **kwargs) -> None:
    """Before a save: note whether it changes the password or deactivates (one read; none for last_login)."""
    instance._dispatch_login_changed = instance._dispatch_role_lost = False
    if instance.pk is None or (update_fields is not None and not _WATCHED_FIELDS & set(update_fields)):
        return
    before = sender._default_manager.filter(pk=instance.pk).values(*_WATCHED_FIELDS).first()
    if before is None:
        return
    deactivated = before["is_active"] and not instance.is_active
    instance._dispatch_login_changed = deactivated or before["password"] != instance.password
    # A superuser counts as a coordinator: losing it is losing the board.
    instance._dispatch_role_lost = before["is_superuser"] and not instance.is_superuser


def _end_logins_after_change(sender, instance, created=False, **kwargs) -> None:
    if not created and getattr(instance, "_dispatch_role_lost", False):
        instance._dispatch_role_lost = False
        credentials_changed.send(sender=sender, user_id=instance.pk)
    if created or not getattr(instance, "_dispatch_login_changed", False):
        return
    instance._dispatch_login_changed = False
    tokens.revoke_tokens(instance.pk)
    credentials_changed.send(sender=sender, user_id=instance.pk)


def _token_deleted(sender, instance, **kwargs) -> None:
    credentials_changed.send(sender=sender, user_id=instance.user_id)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        credentials_changed.send(sender=sender, user_id=user.pk)


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A role given or taken: the user's streams re-check what they may follow."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    user_ids = (pk_set or ()) if reverse else (instance.pk,)
    for user_id in user_ids:
        credentials_changed.send(sender=sender, user_id=user_id)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_login_state, sender=user_model, dispatch_uid="accounts-login-state")
    post_save.connect(_end_logins_after_change, sender=user_model, dispatch_uid="accounts-end-logins")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid="accounts-token-deleted")
    user_logged_out.connect(_logged_out, dispatch_uid="accounts-logged-out")
    m2m_changed.connect(_groups_changed, sender=user_model.groups.through, dispatch_uid="accounts-groups")
