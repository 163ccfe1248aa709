from django.urls import path

from places import views

app_name = "places"

urlpatterns = [
    path("estates/<int:pk>/", views.estate_detail, name="estate"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
]
