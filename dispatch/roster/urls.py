"""Routes of dispatch.roster (pages at the root, API under api/v1/)."""

from django.urls import path

from dispatch.roster import api, pages

urlpatterns = [
    path("roster/", pages.week, name="roster-week"),
    path("roster/shifts/new/", pages.shift_new, name="roster-shift-new"),
    path("roster/shifts/<int:shift_id>/", pages.shift_edit, name="roster-shift-edit"),
    path("roster/shifts/<int:shift_id>/delete/", pages.shift_delete, name="roster-shift-delete"),
    path("roster/swaps/<int:swap_id>/decide/", pages.swap_decide, name="roster-swap-decide"),
    path("roster/me/", pages.me, name="roster-me"),
    path("roster/me/swaps/", pages.swap_request, name="roster-swap-request"),
    path("roster/me/swaps/<int:swap_id>/withdraw/", pages.swap_withdraw, name="roster-swap-withdraw"),
    path("roster/me/calendar/rotate/", pages.calendar_rotate, name="roster-calendar-rotate"),
    path("roster/me/test-page/", pages.self_test_page, name="roster-test-page"),
    path("roster/calendar/<str:token>.ics", pages.calendar, name="roster-calendar"),
    path("api/v1/roster/test-pages/", api.SelfTestPageApi.as_view(), name="api-roster-test-pages"),
]
