from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from api import docs, tokens, views

app_name = "api"

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("channels", views.ChannelViewSet, basename="channel")
router.register("request-types", views.RequestTypeViewSet, basename="request-type")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("methods", views.MethodViewSet, basename="method")
router.register("neighbourhoods", views.NeighbourhoodViewSet, basename="neighbourhood")
router.register("estates", views.EstateViewSet, basename="estate")
router.register("buildings", views.BuildingViewSet, basename="building")

# The API authenticates by token as well as by session, so the sign-in middleware lets these
# through and DRF's own permission classes answer 401/403 in JSON instead of a redirect.
api_patterns = [
    *router.urls,
    path("schema/", docs.schema, name="schema"),
    path("docs/", docs.swagger, name="docs"),
]
for pattern in api_patterns:
    login_not_required(pattern.callback)

urlpatterns = [
    *api_patterns,
    # Similar cases and classes of matters (matters/api.py), scoped by that app itself.
    path("", include("matters.api_urls")),
    # Notifications and early warnings (notifications/api.py, alerts/api.py), scoped by those apps.
    path("", include("notifications.api_urls")),
    path("", include("alerts.api_urls")),
    # Photos and documents of a case (attachments/api.py), scoped by that app itself.
    path("", include("attachments.api_urls")),
    # Pages for people (signed in, staff only): service accounts and their tokens.
    path("tokens/", tokens.service_accounts, name="service_accounts"),
    path("tokens/new/", tokens.service_account_create, name="service_account_create"),
    path("tokens/<int:user_id>/issue/", tokens.token_issue, name="token_issue"),
    path("tokens/<int:user_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    # Anything else under /api/ (e.g. /api/cases/-1/similar/) is a JSON 404, not the HTML page.
    re_path(r"^.*$", login_not_required(views.not_found), name="not_found"),
]
