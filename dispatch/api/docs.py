"""The API docs page: for logged-in users, with no inline script or style (CSP)."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI whose settings script is a separate request (no inline <script>), and whose
    page has no inline <style>. Who may read it: SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]."""

    template_name = "api/swagger_ui.html"

    def handle_exception(self, exc):
        # A browser without a login goes to the login page and comes back, not to a JSON 401.
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
