"""The site's URLs plus one view that fails, for the 500 page test."""

from django.urls import path

from governance.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*site, path("boom/", boom)]
