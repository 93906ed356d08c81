from django.contrib import admin

from .models import Hospital


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "city", "has_helipad", "icu_phone")
    list_filter = ("kind", "has_helipad")
    search_fields = ("name", "code", "city")
