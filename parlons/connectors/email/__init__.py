"""The e-mail channel (ENV-5): IMAP in, SMTP out, threading by headers, .eml export and forwarding a ticket to
someone outside Parlons (OPS-20). A Django app of its own (label ``email_channel``) for its few tables."""
