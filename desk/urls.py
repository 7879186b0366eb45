from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Annotation desk administration"
admin.site.site_title = "Annotation desk"

urlpatterns = [
    path("", include("dashboard.urls")),
    # Logging in and out, changing a password and resetting it by email: Django's own views and templates.
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("corpus_app.urls")),
    path("", include("annotations.urls")),
]
