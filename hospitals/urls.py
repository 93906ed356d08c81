"""Hospital routes: reference data and travel estimates (included once from config/urls.py)."""

from django.urls import path

from hospitals import api

urlpatterns = [
    path("api/v1/hospitals/", api.HospitalListApi.as_view(), name="api-hospitals"),
    path("api/v1/hospitals/<int:hospital_id>/", api.HospitalDetailApi.as_view(), name="api-hospital"),
    path("api/v1/hospitals/<int:hospital_id>/travel/", api.HospitalTravelApi.as_view(), name="api-hospital-travel"),
]
