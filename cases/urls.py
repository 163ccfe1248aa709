from django.urls import path

from cases import merging_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("export/", views.case_export, name="export"),
    path("visits/", views.visit_queue, name="visit_queue"),
    path("new/", views.case_create, name="create"),
    path("options/estates/", views.estate_options, name="estate_options"),
    path("options/buildings/", views.building_options, name="building_options"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/move/", views.case_move, name="move"),
    path("<int:pk>/phone/", views.reveal_phone, name="reveal_phone"),
    path("<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    # 并单, 拆单 and co-complainants (cases/merging_views.py)
    path("<int:pk>/merge/", merging_views.case_merge, name="merge"),
    path("<int:pk>/unmerge/", merging_views.case_unmerge, name="unmerge"),
    path("<int:pk>/split/", merging_views.case_split, name="split"),
    path("<int:pk>/complainants/", merging_views.complainant_add, name="complainant_add"),
    path("<int:pk>/join/", merging_views.case_join, name="join"),
    path("<int:pk>/residents/visit/", merging_views.resident_visit, name="resident_visit"),
]
