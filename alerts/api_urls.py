"""Included by api/urls.py under /api/ (no namespace of its own)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from alerts import api

urlpatterns = [
    path("warnings/", login_not_required(api.warning_list), name="warning-list"),
]
