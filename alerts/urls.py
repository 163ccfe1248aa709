from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("<int:pk>/", views.warning_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.warning_acknowledge, name="acknowledge"),
    path("<int:pk>/class/", views.warning_to_class, name="to_class"),
    path("<int:pk>/topic/", views.warning_topic, name="topic"),
]
