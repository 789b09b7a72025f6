"""Refresh the French catalogue and fill in translations, safely when several people work in one tree.

    flock /tmp/parlons-po.lock .venv/bin/python scripts/po_fill.py translations.json

``translations.json`` maps each English msgid to its French text (a list of two strings for a plural:
singular then plural). The script runs ``makemessages -l fr`` (keeping every existing translation), writes the
given translations, reports which msgids are still untranslated, and compiles the catalogue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "parlons" / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def django_admin(*args: str) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "PARLONS_DEBUG": "1", "PARLONS_DATA_DIR": data_dir}
        env.pop("DATABASE_URL", None)
        admin = Path(sys.executable).with_name("django-admin")
        command = [str(admin), *args, "--settings=parlons.settings"]
        subprocess.run(command, cwd=ROOT / "parlons", env=env, check=True)  # noqa: S603 (our own arguments)


def main(paths: list[str]) -> int:
    translations: dict = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    django_admin("makemessages", "-l", "fr", "--no-obsolete")
    catalogue = polib.pofile(str(PO), wrapwidth=78)
    for entry in catalogue:
        wanted = translations.get(entry.msgid)
        if wanted is None:
            continue
        if entry.msgid_plural:
            forms = wanted if isinstance(wanted, list) else [wanted, wanted]
            entry.msgstr_plural = {0: forms[0], 1: forms[1]}
        else:
            entry.msgstr = wanted
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save()
    missing = [
        e.msgid
        for e in catalogue
        if not e.obsolete and ("fuzzy" in e.flags or not (e.msgstr or any(e.msgstr_plural.values())))
    ]
    django_admin("compilemessages", "-l", "fr")
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
