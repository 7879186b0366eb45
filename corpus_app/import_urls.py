from django.urls import path

from corpus_app import import_views

# Under /documents/import/ (corpus_app/urls.py), in the corpus namespace.
urlpatterns = [
    path("", import_views.import_upload, name="import"),
    path("batches/<int:pk>/", import_views.import_batch_detail, name="import-batch"),
    path("batches/<int:pk>/preview/", import_views.import_preview, name="import-preview"),
    path("batches/<int:pk>/progress/", import_views.import_batch_progress, name="import-batch-progress"),
]
