"""Pieces shared by the Meta platforms (Facebook Page, Messenger, Instagram, WhatsApp Cloud API): the webhook
signature, the Graph API client, splitting a delivery into items, and the messaging window."""
