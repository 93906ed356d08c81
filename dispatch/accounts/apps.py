from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dispatch.accounts"
    label = "accounts"
    verbose_name = _("Accounts and tokens")

    def ready(self) -> None:
        """Tokens die with a password change or a deactivation; live streams hear of it (see `signals.py`)."""
        from dispatch.accounts import signals

        signals.connect()
