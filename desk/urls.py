from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from desk import views

admin.site.site_header = "Annotation desk administration"
admin.site.site_title = "Annotation desk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("corpus_app.urls")),
    path("", include("annotations.urls")),
]
