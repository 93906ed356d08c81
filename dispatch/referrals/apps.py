from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "dispatch.referrals"
    label = "referrals"
    verbose_name = "Referrals and decision support"
