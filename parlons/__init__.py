"""Parlons: a bilingual helpdesk for public-service social-media teams."""

__version__ = "0.1.0"
