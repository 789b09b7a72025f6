from django.urls import path

from parlons.connectors import webhooks
from parlons.connectors.x import webhook as x_webhook

app_name = "webhooks"
urlpatterns = [
    path("meta", webhooks.meta, name="meta"),
    path("x", x_webhook.x_webhook, name="x"),
]
