from django.urls import path

from matters import views

app_name = "matters"

urlpatterns = [
    path("", views.class_list, name="class_list"),
    path("<int:pk>/", views.class_detail, name="class_detail"),
    path("<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("<int:pk>/decide/", views.class_decide, name="class_decide"),
    path("<int:pk>/route/", views.class_route, name="class_route"),
    path("<int:pk>/merge/", views.class_merge, name="class_merge"),
    path("<int:pk>/split/", views.class_split, name="class_split"),
    path("<int:pk>/batch/", views.class_batch, name="class_batch"),
    path("<int:pk>/merge-matter/", views.class_merge_matter, name="class_merge_matter"),
    path("<int:pk>/screen/", views.class_screen, name="class_screen"),
    path("members/<int:pk>/step/", views.member_step, name="member_step"),
    path("similar/case/<int:pk>/", views.case_similar, name="case_similar"),
    path("similar/preview/", views.similar_preview, name="similar_preview"),
    path("similar/links/<int:pk>/decide/", views.link_decide, name="link_decide"),
]
