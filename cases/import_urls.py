from django.urls import path

from cases import import_views

app_name = "imports"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("commit/", import_views.commit, name="commit"),
]
