"""The OpenAPI schema and Swagger UI, both for signed-in people or token holders only, served offline."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated


class SchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerSplitView):
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    permission_classes = [IsAuthenticated]
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


schema = SchemaView.as_view()
_docs = DocsView.as_view()


def swagger(request):
    """A person who is not signed in is sent to the sign-in page; a token holder gets the page."""
    if not request.user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META:
        return redirect_to_login(request.get_full_path())
    return _docs(request)
