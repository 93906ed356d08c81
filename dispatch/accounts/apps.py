from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dispatch.accounts"
    label = "accounts"
    verbose_name = "Accounts and tokens"

    def ready(self) -> None:
        """Tokens die with a password change or a deactivation; live streams hear of it (see `signals.py`)."""
        from dispatch.accounts import signals

        signals.connect()
