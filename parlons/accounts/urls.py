from django.urls import path

from parlons.accounts import views

urlpatterns = [
    path("mfa/verify/", views.verify, name="mfa-verify"),
    path("mfa/setup/", views.setup, name="mfa-setup"),
]
