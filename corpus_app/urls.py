from django.urls import include, path

from corpus_app import exports, views
from corpus_app.search.views import search_view

app_name = "corpus"

urlpatterns = [
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/export/", exports.document_export, name="document-export"),
    path("documents/import/", include("corpus_app.import_urls")),
    path("documents/<int:pk>/file/", views.document_file, name="document-file"),
    path("speakers/", views.SpeakerListView.as_view(), name="speaker-list"),
    path("search/", search_view, name="search"),
]
