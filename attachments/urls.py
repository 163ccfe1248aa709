from django.urls import path

from attachments import views

app_name = "attachments"

# Under /cases/: every file is answered by a view that checks the case's scoping (MEDIA_URL has no route).
urlpatterns = [
    path("<int:pk>/attachments/", views.upload, name="upload"),
    path("attachments/<int:pk>/", views.download, name="download"),
    path("attachments/<int:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("attachments/<int:pk>/delete/", views.delete, name="delete"),
    path("attachments/<int:pk>/public/", views.publish, name="publish"),
    path("attachments/public/<uuid:key>/", views.public_photo, name="public"),
]
