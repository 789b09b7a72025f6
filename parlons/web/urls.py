from django.contrib.auth import views as auth_views
from django.urls import include, path

from parlons.web import views
from parlons.web.views import channel_setup as channel_views
from parlons.web.views import exchange as exchange_views
from parlons.web.views import forward as forward_views
from parlons.web.views import notifications as notification_views
from parlons.web.views import outbound as outbound_views
from parlons.web.views import reports as report_views
from parlons.web.views import rules as rules_views
from parlons.web.views import search as search_views
from parlons.web.views import sla as sla_views
from parlons.web.views import webhooks as webhook_views

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
    path("tickets/<int:pk>/forward/", forward_views.forward, name="ticket_forward"),
    path("tickets/<int:pk>/ticket.eml", forward_views.ticket_eml, name="ticket_eml"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("trackers/", views.tracker_list, name="trackers"),
    path("trackers/<int:pk>/", views.tracker_detail, name="tracker"),
    path("trackers/<int:pk>/rename/", views.tracker_rename, name="tracker_rename"),
    path("", include("parlons.web.views.admin.urls")),  # /admin/…, /preferences/, composer canned responses
    path(
        "tickets/<int:pk>/messages/<int:message_id>/retry/",
        outbound_views.retry_message,
        name="message_retry",
    ),
    path("search/", search_views.search_page, name="search"),
    path("search/saved/", search_views.saved_search_action, name="saved_search"),
    path("search/counts/", search_views.search_facets_view, name="search_facets"),
    path("admin/channels/meta/", channel_views.channel_setup, name="channel_setup"),
    path("admin/channels/meta/<int:pk>/", channel_views.channel_connection, name="channel_connection"),
    path("admin/channels/meta/reprocess/", channel_views.reprocess_deliveries, name="channel_reprocess"),
    path("admin/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("admin/webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook"),
    path("admin/webhooks/<int:pk>/action/", webhook_views.webhook_action, name="webhook_action"),
    path("admin/sla/", sla_views.policy_list, name="sla_policies"),
    path("admin/sla/<int:pk>/", sla_views.policy_detail, name="sla_policy"),
    path("admin/sla/<int:pk>/delete/", sla_views.policy_delete, name="sla_policy_delete"),
    path("admin/sla/hours/", sla_views.business_hours, name="sla_hours"),
    path("admin/sla/holidays/", sla_views.holiday_list, name="sla_holidays"),
    path("admin/sla/holidays/<int:pk>/delete/", sla_views.holiday_delete, name="sla_holiday_delete"),
    path("reminders/", sla_views.reminder_list, name="reminders"),
    path("reminders/<int:pk>/cancel/", sla_views.reminder_cancel, name="reminder_cancel"),
    path("tickets/<int:pk>/reminders/", sla_views.reminder_create, name="reminder_create"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/saved/new/", report_views.saved_report_create, name="saved_report_create"),
    path("reports/saved/<int:pk>/", report_views.saved_report_open, name="saved_report"),
    path("reports/saved/<int:pk>/delete/", report_views.saved_report_delete, name="saved_report_delete"),
    path("reports/exports/<int:pk>/", report_views.report_export_status, name="report_export_status"),
    path(
        "reports/exports/<int:pk>/download/",
        report_views.report_export_download,
        name="report_export_download",
    ),
    path("reports/<slug:name>/", report_views.report_page, name="report"),
    path("reports/<slug:name>/export.<str:fmt>", report_views.report_download, name="report_download"),
    path("reports/<slug:name>/tickets/", report_views.report_tickets, name="report_tickets"),
    path(
        "reports/<slug:name>/tickets/export/",
        report_views.report_tickets_export,
        name="report_tickets_export",
    ),
    path("exchange/", exchange_views.exchange_page, name="exchange"),
    path("exchange/exports/", exchange_views.export_jobs, name="exchange_jobs"),
    path("exchange/exports/tickets/", exchange_views.export_tickets, name="exchange_export"),
    path("exchange/exports/<uuid:job_id>/", exchange_views.export_download, name="exchange_download"),
    path("exchange/<str:kind>/<str:what>.xlsx", exchange_views.catalogue_download, name="exchange_catalogue"),
    path("exchange/imports/<str:kind>/upload/", exchange_views.import_upload, name="exchange_upload"),
    path("exchange/imports/<uuid:batch_id>/", exchange_views.import_preview, name="exchange_import"),
    path(
        "exchange/imports/<uuid:batch_id>/confirm/",
        exchange_views.import_confirm,
        name="exchange_import_confirm",
    ),
    path(
        "exchange/imports/<uuid:batch_id>/discard/",
        exchange_views.import_discard,
        name="exchange_import_discard",
    ),
    path(
        "tickets/<int:pk>/conversation.<str:fmt>",
        exchange_views.conversation_download,
        name="ticket_document",
    ),
    path("rules/", rules_views.rule_list, name="rules"),
    path("rules/new/", rules_views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", rules_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", rules_views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/move/", rules_views.rule_move, name="rule_move"),
    path("rules/<int:pk>/delete/", rules_views.rule_delete, name="rule_delete"),
    path("rules/row/<str:part>/", rules_views.rule_row, name="rule_row"),
    path("rules/auto-tags/", rules_views.auto_tag_list, name="rules_auto_tags"),
    path("rules/auto-tags/<int:pk>/", rules_views.auto_tag_action, name="rules_auto_tag"),
    path("rules/assignment/", rules_views.assignment_settings, name="rules_assignment"),
    path("account/availability/", rules_views.availability, name="availability"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notification_read, name="notifications_read"),
    path(
        "notifications/preferences/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path("admin/notifications/", notification_views.notification_settings, name="notification_settings"),
    path("admin/broadcasts/", notification_views.broadcast_list, name="broadcasts"),
    path("admin/broadcasts/<int:pk>/end/", notification_views.broadcast_end, name="broadcast_end"),
]
