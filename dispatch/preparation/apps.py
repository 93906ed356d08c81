from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreparationConfig(AppConfig):
    name = "dispatch.preparation"
    label = "preparation"
    verbose_name = _("Preparation")
