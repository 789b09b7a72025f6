from django.urls import path

from parlons.connectors import webhooks

app_name = "webhooks"
urlpatterns = [
    path("meta", webhooks.meta, name="meta"),
]
