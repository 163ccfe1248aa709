from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from ops.views import healthz

urlpatterns = [
    path("", include("accounts.urls")),
    path("cases/import/", include("cases.import_urls")),
    path("cases/", include("attachments.urls")),
    path("cases/", include("cases.print_urls")),
    path("cases/", include("cases.urls")),
    path("track/", include("track.urls")),
    path("places/", include("places.urls")),
    path("methods/", include("methods.urls")),
    path("classes/", include("matters.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("notifications/", include("notifications.urls")),
    path("warnings/", include("alerts.urls")),
    path("api/", include("api.urls")),
    path("open311/v2/", include("api.open311_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
