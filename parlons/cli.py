"""The ``parlons`` console command: Django's management commands with Parlons' settings.

``parlons migrate``, ``parlons shell`` and every other Django command work as usual; Parlons adds its own in
``parlons/core/management/commands``: ``run``, ``worker``, ``demo`` and ``token``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    # Help and errors show "parlons", whatever path the console script was started by.
    argv[0] = "parlons"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
