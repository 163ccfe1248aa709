"""Included by api/urls.py under /api/ (in its namespace)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from attachments import api

# DRF answers 401/403 in JSON itself; the sign-in middleware must not redirect these.
urlpatterns = [
    path("cases/<int:pk>/attachments/", login_not_required(api.case_attachments), name="case-attachments"),
]
