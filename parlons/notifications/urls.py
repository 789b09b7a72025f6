"""Addresses of the notification screens (views in ``parlons.web.views.notifications``)."""

from django.urls import path

from parlons.web.views import notifications as views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("notifications/preferences/", views.notification_preferences, name="notification_preferences"),
    path("admin/notifications/", views.notification_settings, name="notification_settings"),
    path("admin/broadcasts/", views.broadcast_list, name="broadcasts"),
    path("admin/broadcasts/<int:pk>/end/", views.broadcast_end, name="broadcast_end"),
]
