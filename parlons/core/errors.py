"""Typed errors with stable codes, raised by services and translated at the edge (views, API).

A caller that may not see an object gets ``NotFound``, the same as when it does not exist; a visible object with
a forbidden action is ``Forbidden`` (403) with a message saying what was refused.
"""

from __future__ import annotations

from typing import Any


class ParlonsError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: Any = None, *, code: str | None = None, details: dict | None = None):
        self.message = message if message is not None else self.default_message()
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))

    @staticmethod
    def default_message() -> str:
        from django.utils.translation import gettext

        return gettext("The request could not be completed.")


class Invalid(ParlonsError):
    status = 400
    code = "invalid"


class Forbidden(ParlonsError):
    status = 403
    code = "forbidden"

    @staticmethod
    def default_message() -> str:
        from django.utils.translation import gettext

        return gettext("You do not have permission to do this.")


class NotFound(ParlonsError):
    status = 404
    code = "not_found"

    @staticmethod
    def default_message() -> str:
        from django.utils.translation import gettext

        return gettext("Not found.")


class Conflict(ParlonsError):
    status = 409
    code = "conflict"
