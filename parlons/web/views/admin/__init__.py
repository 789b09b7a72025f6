"""The workspace's administration screens (issue #3 item 8, ADM-3..8, BEY-4): users, teams, roles, tags,
channel groups and canned responses, in the workspace's look and both languages.

Not Django's admin (that one stays at /django-admin/ for superusers). Every screen asks the permission first
(system.admin for people and channels, tickets.manage for the catalogue) and changes data only through
``parlons.accounts.services`` and ``parlons.tickets.services``."""
