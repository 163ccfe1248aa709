"""Included by api/urls.py under /api/ (no namespace of its own)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from matters import api

# DRF answers 401/403 in JSON itself; the sign-in middleware must not redirect these.
urlpatterns = [
    path("cases/<int:pk>/similar/", login_not_required(api.case_similar), name="case-similar"),
    path("classes/", login_not_required(api.class_list), name="class-list"),
    path("classes/<int:pk>/", login_not_required(api.class_detail), name="class-detail"),
]
