from django.urls import path

from annotations.exports import document_export
from corpus_app import views
from corpus_app.search.views import search_view

app_name = "corpus"

urlpatterns = [
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/export/", document_export, name="document-export"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document-detail"),
    path("documents/<int:pk>/file/", views.document_file, name="document-file"),
    path("speakers/", views.SpeakerListView.as_view(), name="speaker-list"),
    path("speakers/<int:pk>/", views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("search/", search_view, name="search"),
]
