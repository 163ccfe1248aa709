from django.urls import path

from cases import print_views

app_name = "printing"

urlpatterns = [
    path("print/", print_views.batch, name="batch"),
    path("<int:pk>/print/", print_views.work_order, name="work_order"),
    path("<int:pk>/print/visit/", print_views.visit_sheet, name="visit_sheet"),
]
