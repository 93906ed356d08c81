from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from dispatch import pages
from dispatch.accounts import language

urlpatterns = [
    path("", pages.home, name="home"),
    path("board/", pages.board, name="board"),
    path("missions/<int:mission_id>/", pages.mission_timeline, name="mission-timeline"),
    path("team/", pages.team, name="team"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The top bar's language switch (POST, CSRF): the page's language and the person's own.
    path("i18n/setlang/", language.set_language, name="set_language"),
    # Django's JavaScript catalogue: the page scripts' own strings in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["dispatch"]), name="javascript-catalog"),
]
