"""Hospital outputs: the full record for the hospital endpoints, a brief one to embed in others."""

from rest_framework import serializers

from hospitals.models import Hospital


class HospitalOutput(serializers.ModelSerializer):
    icu_phone = serializers.CharField()

    class Meta:
        model = Hospital
        fields = ["id", "name", "code", "kind", "city", "address", "latitude", "longitude", "has_helipad", "icu_phone"]


class HospitalBrief(serializers.ModelSerializer):
    class Meta:
        model = Hospital
        fields = ["id", "name", "code"]
