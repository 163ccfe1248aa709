"""The project's URLs with matters.api_urls mounted under /api/ as api/urls.py does (tests need not wait for it)."""

from django.urls import include, path

from governance.urls import urlpatterns as project_urls

urlpatterns = [path("api/", include("matters.api_urls")), *project_urls]
