from django.urls import path

from track import views

app_name = "track"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("visit/<str:token>/", views.visit, name="visit"),
    path("case/<int:pk>/", views.case_panel, name="case_panel"),
]
