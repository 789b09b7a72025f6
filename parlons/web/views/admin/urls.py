"""Addresses of the administration screens, under /admin/ (Django's own admin is at /django-admin/)."""

from django.urls import path

from parlons.web.views.admin import canned, channels, home, tags, teams, users

urlpatterns = [
    path("admin/", home.admin_home, name="admin_home"),
    path("admin/users/", users.user_list, name="admin_users"),
    path("admin/users/new/", users.user_create, name="admin_user_create"),
    path("admin/users/<int:pk>/", users.user_edit, name="admin_user"),
    path("admin/users/<int:pk>/lock/", users.user_lock, name="admin_user_lock"),
    path("admin/users/<int:pk>/reset-mfa/", users.user_reset_mfa, name="admin_user_reset_mfa"),
    path("admin/teams/", teams.team_list, name="admin_teams"),
    path("admin/teams/<int:pk>/", teams.team_edit, name="admin_team"),
    path("admin/teams/<int:pk>/delete/", teams.team_delete, name="admin_team_delete"),
    path("admin/roles/", teams.role_list, name="admin_roles"),
    path("admin/roles/grants/<int:pk>/revoke/", teams.role_revoke, name="admin_role_revoke"),
    path("admin/tags/", tags.tag_list, name="admin_tags"),
    path("admin/tags/groups/", tags.tag_groups, name="admin_tag_groups"),
    path("admin/tags/groups/<int:pk>/", tags.tag_group_edit, name="admin_tag_group"),
    path("admin/tags/lines-of-business/<int:pk>/", tags.line_of_business_edit, name="admin_line_of_business"),
    path("admin/tags/<int:pk>/", tags.tag_edit, name="admin_tag"),
    path("admin/tags/<int:pk>/archive/", tags.tag_archive, name="admin_tag_archive"),
    path("admin/tags/<int:pk>/delete/", tags.tag_delete, name="admin_tag_delete"),
    path("admin/channel-groups/", channels.channel_group_list, name="admin_channel_groups"),
    path("admin/channel-groups/<int:pk>/", channels.channel_group_edit, name="admin_channel_group"),
    path("admin/canned-responses/", canned.canned_list, name="admin_canned"),
    path("admin/canned-responses/new/", canned.canned_create, name="admin_canned_create"),
    path("admin/canned-responses/<int:pk>/", canned.canned_edit, name="admin_canned_edit"),
    path("admin/canned-responses/<int:pk>/archive/", canned.canned_archive, name="admin_canned_archive"),
    path("admin/canned-responses/<int:pk>/delete/", canned.canned_delete, name="admin_canned_delete"),
    path("preferences/", users.preferences, name="preferences"),
    path("tickets/<int:pk>/canned-responses/", canned.composer_canned, name="ticket_canned"),
]
