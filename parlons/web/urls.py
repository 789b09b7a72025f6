from django.contrib.auth import views as auth_views
from django.urls import path

from parlons.web import views

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="web/pages/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/language/", views.switch_language, name="switch_language"),
    path("", views.inbox, name="home"),
    path("tickets/bulk/", views.bulk, name="bulk"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<int:pk>/compose/", views.compose, name="ticket_compose"),
    path("tickets/<int:pk>/properties/", views.properties, name="ticket_properties"),
    path("tickets/<int:pk>/tags/", views.ticket_tags, name="ticket_tags"),
    path("tickets/<int:pk>/trackers/", views.ticket_trackers, name="ticket_trackers"),
    path("tickets/<int:pk>/messages/<int:message_id>/split/", views.split, name="ticket_split"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("trackers/", views.tracker_list, name="trackers"),
    path("trackers/<int:pk>/", views.tracker_detail, name="tracker"),
    path("trackers/<int:pk>/rename/", views.tracker_rename, name="tracker_rename"),
]
