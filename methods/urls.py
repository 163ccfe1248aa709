from django.urls import path

from methods import views

app_name = "methods"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("print/", views.print_booklet, name="print"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/history/<int:history_id>/restore/", views.restore, name="restore"),
]
