"""The X (Twitter) channel: API v2 webhooks (X Activity API and the older Account Activity API), mentions and
direct messages into tickets, reply posts and DMs out, and a polling mode for accounts without webhooks."""
