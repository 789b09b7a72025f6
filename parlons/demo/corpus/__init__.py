"""The texts and the catalogue of the demo data set (``parlons demo``): teams, agents, channel groups, tags,
trackers, and bilingual conversation templates about immigration, citizenship and passports.

Everything here is plain data; ``parlons.demo.generator`` draws from it with a seeded random generator.
Templates use ``str.format_map`` placeholders (``{app}``, ``{city}``, ``{date}``…) that the generator fills per
ticket; the list of placeholders it provides is ``PLACEHOLDERS``. French is Canadian French ("courriel",
"billet", no space before ``?`` and ``!``). Every name, number and address is made up: e-mail domains are the
reserved ``example.*`` ones and telephone numbers use the 555 exchange.

This is demo content, stored as ticket data (what members of the public and agents wrote); it is not
interface text and so is not marked for translation.

The modules: ``catalogue`` (organisation, channel groups, tags, trackers), ``conversation`` (the shape of a
case and the pieces around it), ``topics_programs`` and ``topics_service`` (the cases), ``people`` (names and
places). The order of ``TOPICS`` is part of the data: the same seed draws the same topics.
"""

from parlons.demo.corpus.catalogue import (
    AGENTS,
    CHANNEL_GROUPS,
    DEMO_USERS,
    EXTRA_TAGS,
    GROUP_SETS,
    GROUP_TOPIC_BIAS,
    LINES_OF_BUSINESS,
    STAFF_EMAIL_DOMAIN,
    TAG_GROUPS,
    TAGS,
    TEAMS,
    TRACKERS,
    GroupSpec,
)
from parlons.demo.corpus.conversation import (
    AGENT_ASKS,
    AGENT_ASKS_PUBLIC,
    AGENT_CLOSINGS,
    AGENT_FOLLOW_UPS,
    AGENT_GREETINGS,
    ASK_TOPICS,
    CLIENT_DETAILS,
    CLIENT_FOLLOW_UPS,
    CLIENT_THANKS,
    DEPARTMENT,
    GREETINGS,
    NOTES,
    NOTES_PUBLIC,
    NOTES_SENSITIVE,
    PLACEHOLDERS,
    SENSITIVE_TOPICS,
    SIGN_OFFS,
    SOCIAL_SIGNATURE,
    SPAM,
    X_BIOS,
    Case,
    Topic,
)
from parlons.demo.corpus.people import (
    AREA_CODES,
    CITIES,
    COUNTRIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MONTHS,
    OFFICES,
    SCAM_WORDS,
)
from parlons.demo.corpus.topics_programs import PROGRAM_TOPICS
from parlons.demo.corpus.topics_service import SERVICE_TOPICS

TOPICS: tuple[Topic, ...] = (*PROGRAM_TOPICS, *SERVICE_TOPICS)

__all__ = [
    "AGENTS", "AGENT_ASKS", "AGENT_ASKS_PUBLIC", "AGENT_CLOSINGS", "AGENT_FOLLOW_UPS", "AGENT_GREETINGS",
    "AREA_CODES", "ASK_TOPICS", "CHANNEL_GROUPS", "CITIES", "CLIENT_DETAILS", "CLIENT_FOLLOW_UPS", "CLIENT_THANKS",
    "COUNTRIES", "DEMO_USERS", "DEPARTMENT", "EMAIL_DOMAINS", "EXTRA_TAGS", "FIRST_NAMES", "GREETINGS",
    "GROUP_SETS", "GROUP_TOPIC_BIAS", "LAST_NAMES", "LINES_OF_BUSINESS", "MONTHS", "NOTES", "NOTES_PUBLIC",
    "NOTES_SENSITIVE", "OFFICES", "PLACEHOLDERS", "PROGRAM_TOPICS", "SCAM_WORDS", "SENSITIVE_TOPICS",
    "SERVICE_TOPICS", "SIGN_OFFS", "SOCIAL_SIGNATURE", "SPAM", "STAFF_EMAIL_DOMAIN", "TAGS", "TAG_GROUPS", "TEAMS",
    "TOPICS", "TRACKERS", "X_BIOS", "Case", "GroupSpec", "Topic",
]  # fmt: skip
