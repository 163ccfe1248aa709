"""Included by api/urls.py under /api/ (no namespace of its own)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from notifications import api

# DRF answers 401/403 in JSON itself; the sign-in middleware must not redirect these.
urlpatterns = [
    path("notifications/", login_not_required(api.notification_list), name="notification-list"),
    # Any segment reaches the view (a malformed id gets the JSON 404, not the CSRF page of the catch-all).
    path("notifications/<str:pk>/read/", login_not_required(api.notification_read), name="notification-read"),
]
