from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "dispatch.records"
    label = "records"
    verbose_name = _("Mission records")
