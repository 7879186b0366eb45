from django.urls import include, path

from annotations import api, exports, reader_views, speaker_views, views

app_name = "annotations"

urlpatterns = [
    # The JSON API (django-ninja): api/annotations/, api/annotations/<pk>/, api/claims/<pk>/verdict/,
    # similar/ and links/, described at api/schema/.
    path("api/", include(api.urlpatterns())),
    path("documents/<int:pk>/", reader_views.DocumentDetailView.as_view(), name="document-detail"),
    path("documents/<int:pk>/annotate/", reader_views.annotate_form, name="annotate-form"),
    path("annotations/", views.AnnotationListView.as_view(), name="annotation-list"),
    path("annotations/export/", exports.annotation_export, name="annotation-export"),
    path("claims/", views.ClaimQueueView.as_view(), name="claim-list"),
    path("claims/export/", exports.claim_export, name="claim-export"),
    path("claims/<int:pk>/review/", views.claim_review, name="claim-review"),
    path("speakers/<int:pk>/", speaker_views.SpeakerDetailView.as_view(), name="speaker-detail"),
    path("speakers/<int:pk>/merge/", speaker_views.speaker_merge, name="speaker-merge"),
]
