from django.urls import path

from annotations import api, exports, reader_views, views

app_name = "annotations"

urlpatterns = [
    path("api/annotations/", api.annotation_collection, name="api-annotations"),
    path("api/annotations/<int:pk>/", api.annotation_detail, name="api-annotation"),
    path("api/claims/<int:pk>/verdict/", api.claim_verdict, name="api-claim-verdict"),
    path("api/claims/<int:pk>/similar/", api.claim_similar, name="api-claim-similar"),
    path("api/claims/<int:pk>/links/", api.claim_links, name="api-claim-links"),
    path("documents/<int:pk>/annotate/", reader_views.annotate_form, name="annotate-form"),
    path("annotations/", views.AnnotationListView.as_view(), name="annotation-list"),
    path("annotations/export/", exports.annotation_export, name="annotation-export"),
    path("claims/", views.ClaimQueueView.as_view(), name="claim-list"),
    path("claims/export/", exports.claim_export, name="claim-export"),
    path("claims/<int:pk>/review/", views.claim_review, name="claim-review"),
]
