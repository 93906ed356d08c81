"""The checklist's items in the admin: what every referring ICU is asked to prepare."""

from django.contrib import admin

from dispatch.preparation.models import PreparationItem


@admin.register(PreparationItem)
class PreparationItemAdmin(admin.ModelAdmin):
    """Add, reword, reorder or deactivate items; a checklist already opened keeps the items it had.
    Items are deactivated rather than deleted: ticked missions still name them."""

    list_display = ("label", "key", "value_label", "applies_to", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("active", "applies_to")
    search_fields = ("label", "key")
    ordering = ("order", "pk")

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.ticks.exists()
