from django.contrib import admin
from django.urls import include, path

from parlons.api.api import api
from parlons.web import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    path("webhooks/", include("parlons.connectors.urls")),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("parlons.accounts.urls")),
    path("", include("parlons.web.urls")),
]
