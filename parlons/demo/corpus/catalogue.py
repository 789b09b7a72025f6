"""The catalogue of the demo data set: teams, agents and demo users, channel groups and the groups spread
across channels, lines of business, tag groups, tags and trackers (what ``parlons.demo.base`` creates through
the services)."""

from __future__ import annotations

from dataclasses import dataclass

# Hand-laid tables of data: one-item-per-line formatting would make them two to four times longer.
# fmt: off

# --- organisation ---------------------------------------------------------------------------------
# key -> (team name, description)
TEAMS: dict[str, tuple[str, str]] = {
    "immigration": ("Immigration", "Visas, permits, permanent residence and refugee claims / Immigration"),
    "citizenship": ("Citizenship – Citoyenneté", "Citizenship grants, tests, ceremonies and proofs"),
    "passports": ("Passports – Passeports", "Passport applications, renewals and travel documents"),
    "outreach": ("Social media – Médias sociaux", "Public comments and mentions on the department's accounts"),
}

# (username, first name, last name, language, team key, is the team's lead)
AGENTS: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("emilie.gagnon", "Émilie", "Gagnon", "fr", "immigration", False),
    ("jean-francois.belanger", "Jean-François", "Bélanger", "fr", "immigration", False),
    ("priya.sharma", "Priya", "Sharma", "en", "immigration", False),
    ("michael.obrien", "Michael", "O'Brien", "en", "immigration", False),
    ("anais.cote", "Anaïs", "Côté", "fr", "immigration", False),
    ("daniel.nguyen", "Daniel", "Nguyen", "en", "immigration", False),
    ("fatima.el-amrani", "Fatima", "El-Amrani", "fr", "immigration", False),
    ("helene.levesque", "Hélène", "Lévesque", "fr", "citizenship", True),
    ("sarah.thompson", "Sarah", "Thompson", "en", "citizenship", False),
    ("olivier.pelletier", "Olivier", "Pelletier", "fr", "citizenship", False),
    ("aisha.mohamed", "Aisha", "Mohamed", "en", "citizenship", False),
    ("genevieve.ouellet", "Geneviève", "Ouellet", "fr", "citizenship", False),
    ("kevin.macdonald", "Kevin", "MacDonald", "en", "citizenship", False),
    ("jennifer.wong", "Jennifer", "Wong", "en", "passports", True),
    ("stephane.bouchard", "Stéphane", "Bouchard", "fr", "passports", False),
    ("melanie.gauthier", "Mélanie", "Gauthier", "fr", "passports", False),
    ("robert.campbell", "Robert", "Campbell", "en", "passports", False),
    ("zoe.tremblay-roy", "Zoë", "Tremblay-Roy", "fr", "passports", False),
    ("ahmed.haddad", "Ahmed", "Haddad", "en", "passports", False),
    ("chloe.morin", "Chloé", "Morin", "fr", "outreach", True),
    ("liam.fraser", "Liam", "Fraser", "en", "outreach", False),
    ("noemie.fortin", "Noémie", "Fortin", "fr", "outreach", False),
    ("emily.clarke", "Emily", "Clarke", "en", "outreach", False),
    ("maxime.poirier", "Maxime", "Poirier", "fr", "outreach", False),
    ("raphael.berube", "Raphaël", "Bérubé", "fr", "outreach", False),
)

# The five demo users, one per default role (see parlons.accounts.permissions.DEFAULT_ROLES):
# (username = role slug, first name, last name, language, team key or "", is the team's lead)
DEMO_USERS: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("reader", "Rémi", "Lavoie", "fr", "", False),
    ("agent", "Alex", "Martin", "en", "immigration", False),
    ("lead", "Louise", "Bergeron", "fr", "immigration", True),
    ("analyst", "Anjali", "Desai", "en", "", False),
    ("admin", "Marc-André", "Gingras", "fr", "", False),
)

STAFF_EMAIL_DOMAIN = "example.gc.ca"


@dataclass(frozen=True)
class GroupSpec:
    key: str
    platform: str
    name: str
    external_id: str
    team: str
    language: str  # "" for a bilingual group
    weight: float
    kinds: tuple[tuple[str, float], ...]
    account: str = ""  # the department's own handle or address on that group (X account, mailbox)


CHANNEL_GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("fb-en", "facebook", "IRCC (EN)", "104728391650284", "outreach", "en", 15, (("comment", 1),)),
    GroupSpec("fb-fr", "facebook", "IRCC (FR)", "104728391650285", "outreach", "fr", 15, (("comment", 1),)),
    GroupSpec("ms-en", "messenger", "IRCC (EN) – Messenger", "104728391650284", "immigration", "en", 10,
              (("message", 1),)),
    GroupSpec("ms-fr", "messenger", "IRCC (FR) – Messenger", "104728391650285", "immigration", "fr", 10,
              (("message", 1),)),
    GroupSpec("wa", "whatsapp", "WhatsApp +1 613-555-0142", "386512947705513", "immigration", "", 12,
              (("message", 1),), account="16135550142"),
    GroupSpec("x-en", "x", "@CitImmCanada", "221058732", "outreach", "en", 10, (("mention", 0.65), ("dm", 0.35)),
              account="CitImmCanada"),
    GroupSpec("x-fr", "x", "@CitImmCanFR", "221060387", "outreach", "fr", 10, (("mention", 0.65), ("dm", 0.35)),
              account="CitImmCanFR"),
    GroupSpec("mail-cit", "email", "citoyennete-citizenship@example.gc.ca", "citoyennete-citizenship@example.gc.ca",
              "citizenship", "", 9, (("email", 1),), account="citoyennete-citizenship@example.gc.ca"),
    GroupSpec("mail-pp", "email", "passeport-passport@example.gc.ca", "passeport-passport@example.gc.ca",
              "passports", "", 9, (("email", 1),), account="passeport-passport@example.gc.ca"),
    GroupSpec("api-chat", "api", "Assistant virtuel – Virtual assistant", "chatbot-web", "immigration", "", 4,
              (("chat", 1),)),
)

# Topic weights per channel group (multipliers; a topic not named keeps weight x1).
GROUP_TOPIC_BIAS: dict[str, dict[str, float]] = {
    "mail-pp": {"passport": 12, "pr_card": 2, "website": 0.5, "citizenship": 0.2, "study_permit": 0.1,
                "work_permit": 0.1, "express_entry": 0.1, "family": 0.1, "refugee": 0.1, "visitor": 0.3},
    "mail-cit": {"citizenship": 12, "pr_card": 1.5, "passport": 0.3, "study_permit": 0.1, "work_permit": 0.1,
                 "visitor": 0.1, "refugee": 0.2},
    "fb-en": {"feedback": 2.5, "fraud": 2, "media": 0.5},
    "fb-fr": {"feedback": 2.5, "fraud": 2, "media": 0.5},
    "x-en": {"feedback": 2, "media": 2, "website": 1.5, "fraud": 1.5},
    "x-fr": {"feedback": 2, "media": 2, "website": 1.5, "fraud": 1.5},
    "wa": {"refugee": 2, "biometrics": 1.5},
}

# Groups spread across channels (GroupSet): English name -> (French name, channel group keys).
GROUP_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "IRCC English": ("IRCC anglais", ("fb-en", "ms-en", "x-en")),
    "IRCC French": ("IRCC français", ("fb-fr", "ms-fr", "x-fr")),
    "Immigration help lines": ("Lignes d'aide de l'immigration", ("ms-en", "ms-fr", "wa", "api-chat")),
}

# --- tags -----------------------------------------------------------------------------------------
# slug -> (English name, French name)
LINES_OF_BUSINESS: dict[str, tuple[str, str]] = {
    "immigration": ("Immigration", "Immigration"),
    "citizenship": ("Citizenship", "Citoyenneté"),
    "passports": ("Passports", "Passeports"),
    "client-service": ("Client service and web", "Service à la clientèle et Web"),
}

# slug -> (English name, French name, parent group slug or "", line of business slug)
TAG_GROUPS: dict[str, tuple[str, str, str, str]] = {
    "temporary-residence": ("Temporary residence", "Résidence temporaire", "", "immigration"),
    "study": ("Study", "Études", "temporary-residence", "immigration"),
    "work": ("Work", "Travail", "temporary-residence", "immigration"),
    "visit": ("Visit", "Visite", "temporary-residence", "immigration"),
    "permanent-residence": ("Permanent residence", "Résidence permanente", "", "immigration"),
    "economic": ("Economic immigration", "Immigration économique", "permanent-residence", "immigration"),
    "family": ("Family sponsorship", "Parrainage familial", "permanent-residence", "immigration"),
    "asylum": ("Refugees and asylum", "Réfugiés et asile", "permanent-residence", "immigration"),
    "citizenship-services": ("Citizenship", "Citoyenneté", "", "citizenship"),
    "citizenship-grant": ("Grant of citizenship", "Attribution de la citoyenneté", "citizenship-services",
                          "citizenship"),
    "citizenship-proof": ("Proof of citizenship", "Preuve de citoyenneté", "citizenship-services", "citizenship"),
    "passport-services": ("Passports", "Passeports", "", "passports"),
    "passport-applications": ("Applications and renewals", "Demandes et renouvellements", "passport-services",
                              "passports"),
    "travel-documents": ("Travel documents", "Titres de voyage", "passport-services", "passports"),
    "service": ("Service", "Service", "", "client-service"),
    "processing": ("Processing", "Traitement", "service", "client-service"),
    "online": ("Website and online accounts", "Site Web et comptes en ligne", "service", "client-service"),
    "communications": ("Communications", "Communications", "", "client-service"),
    "feedback": ("Feedback", "Rétroaction", "communications", "client-service"),
    "moderation": ("Moderation", "Modération", "communications", "client-service"),
    "follow-up": ("Follow-up", "Suivi", "communications", "client-service"),
}

# slug -> (English name, French name, group slug)
TAGS: dict[str, tuple[str, str, str]] = {
    "study-permit": ("Study permit", "Permis d'études", "study"),
    "study-permit-extension": ("Study permit extension", "Prolongation du permis d'études", "study"),
    "letter-of-acceptance": ("Letter of acceptance", "Lettre d'acceptation", "study"),
    "provincial-attestation-letter": ("Provincial attestation letter", "Lettre d'attestation provinciale", "study"),
    "designated-learning-institution": ("Designated learning institution",
                                        "Établissement d'enseignement désigné", "study"),
    "work-permit": ("Work permit", "Permis de travail", "work"),
    "post-graduation-work-permit": ("Post-graduation work permit", "Permis de travail postdiplôme", "work"),
    "open-work-permit": ("Open work permit", "Permis de travail ouvert", "work"),
    "lmia": ("Labour market impact assessment", "Étude d'impact sur le marché du travail", "work"),
    "international-experience-canada": ("International Experience Canada", "Expérience internationale Canada",
                                        "work"),
    "spousal-work-permit": ("Spousal work permit", "Permis de travail pour époux", "work"),
    "visitor-visa": ("Visitor visa", "Visa de visiteur", "visit"),
    "eta": ("Electronic travel authorization", "Autorisation de voyage électronique", "visit"),
    "super-visa": ("Super visa", "Super visa", "visit"),
    "visitor-record": ("Visitor record", "Fiche du visiteur", "visit"),
    "extend-stay": ("Extending a stay", "Prolongation du séjour", "visit"),
    "restoration-of-status": ("Restoration of status", "Rétablissement du statut", "visit"),
    "express-entry": ("Express Entry", "Entrée express", "economic"),
    "provincial-nominee-program": ("Provincial Nominee Program", "Programme des candidats des provinces",
                                   "economic"),
    "quebec-skilled-workers": ("Quebec skilled workers", "Travailleurs qualifiés du Québec", "economic"),
    "invitation-to-apply": ("Invitation to apply", "Invitation à présenter une demande", "economic"),
    "crs-score": ("CRS score", "Note du SCG", "economic"),
    "language-test": ("Language test", "Test linguistique", "economic"),
    "confirmation-of-pr": ("Confirmation of permanent residence", "Confirmation de résidence permanente",
                           "economic"),
    "spousal-sponsorship": ("Spousal sponsorship", "Parrainage d'un époux ou conjoint", "family"),
    "parents-grandparents": ("Parents and grandparents", "Parents et grands-parents", "family"),
    "dependent-children": ("Dependent children", "Enfants à charge", "family"),
    "adoption": ("Adoption", "Adoption", "family"),
    "refugee-claim": ("Refugee claim", "Demande d'asile", "asylum"),
    "refugee-resettlement": ("Refugee resettlement", "Réinstallation des réfugiés", "asylum"),
    "interim-federal-health": ("Interim Federal Health Program", "Programme fédéral de santé intérimaire",
                               "asylum"),
    "citizenship-application": ("Citizenship application", "Demande de citoyenneté", "citizenship-grant"),
    "citizenship-test": ("Citizenship test", "Examen pour la citoyenneté", "citizenship-grant"),
    "citizenship-ceremony": ("Citizenship ceremony", "Cérémonie de citoyenneté", "citizenship-grant"),
    "oath-of-citizenship": ("Oath of citizenship", "Serment de citoyenneté", "citizenship-grant"),
    "physical-presence": ("Physical presence", "Présence effective", "citizenship-grant"),
    "citizenship-certificate": ("Citizenship certificate", "Certificat de citoyenneté", "citizenship-proof"),
    "citizenship-by-descent": ("Citizenship by descent", "Citoyenneté par filiation", "citizenship-proof"),
    "passport": ("Passport", "Passeport", "passport-applications"),
    "passport-renewal": ("Passport renewal", "Renouvellement de passeport", "passport-applications"),
    "child-passport": ("Child passport", "Passeport pour enfant", "passport-applications"),
    "urgent-passport": ("Urgent passport", "Passeport urgent", "passport-applications"),
    "lost-stolen-passport": ("Lost or stolen passport", "Passeport perdu ou volé", "passport-applications"),
    "passport-photo": ("Passport photo", "Photo de passeport", "passport-applications"),
    "guarantor": ("Guarantor and references", "Répondant et références", "passport-applications"),
    "travel-document": ("Travel document", "Titre de voyage", "travel-documents"),
    "pr-travel-document": ("Permanent resident travel document", "Titre de voyage pour résident permanent",
                           "travel-documents"),
    "pr-card": ("PR card", "Carte de résident permanent", "travel-documents"),
    "processing-time": ("Processing time", "Délai de traitement", "processing"),
    "application-status": ("Application status", "État de la demande", "processing"),
    "biometrics": ("Biometrics", "Données biométriques", "processing"),
    "medical-exam": ("Medical exam", "Examen médical", "processing"),
    "missing-documents": ("Missing documents", "Documents manquants", "processing"),
    "fees": ("Fees and payment", "Frais et paiement", "processing"),
    "refund": ("Refund", "Remboursement", "processing"),
    "change-of-address": ("Change of address", "Changement d'adresse", "processing"),
    "interview": ("Interview", "Entrevue", "processing"),
    "file-notes": ("File notes request", "Demande de notes au dossier", "processing"),
    "website-problem": ("Website problem", "Problème du site Web", "online"),
    "ircc-account": ("IRCC secure account", "Compte sécurisé d'IRCC", "online"),
    "gckey": ("GCKey", "CléGC", "online"),
    "online-portal": ("Online portal", "Portail en ligne", "online"),
    "web-form": ("Web form", "Formulaire Web", "online"),
    "payment-error": ("Online payment error", "Erreur de paiement en ligne", "online"),
    "complaint": ("Complaint", "Plainte", "feedback"),
    "compliment": ("Compliment", "Compliment", "feedback"),
    "suggestion": ("Suggestion", "Suggestion", "feedback"),
    "official-languages": ("Official languages", "Langues officielles", "feedback"),
    "accessibility": ("Accessibility", "Accessibilité", "feedback"),
    "spam": ("Spam", "Pourriel", "moderation"),
    "fraud-scam": ("Fraud or scam", "Fraude ou arnaque", "moderation"),
    "misinformation": ("Misinformation", "Désinformation", "moderation"),
    "offensive-content": ("Offensive content", "Contenu offensant", "moderation"),
    "off-topic": ("Off topic", "Hors sujet", "moderation"),
    "personal-information-posted": ("Personal information posted", "Renseignements personnels publiés",
                                    "moderation"),
    "media-inquiry": ("Media inquiry", "Demande des médias", "follow-up"),
    "mp-inquiry": ("MP office inquiry", "Demande d'un bureau de député", "follow-up"),
    "escalated": ("Escalated", "Transmis à un niveau supérieur", "follow-up"),
    "callback-requested": ("Callback requested", "Rappel demandé", "follow-up"),
    "privacy": ("Privacy", "Protection des renseignements personnels", "follow-up"),
    "general-question": ("General question", "Question générale", "follow-up"),
    "duplicate": ("Duplicate", "Doublon", "follow-up"),
}

# Tags agents add on top of a case's own tags, now and then.
EXTRA_TAGS: tuple[str, ...] = (
    "processing-time", "application-status", "escalated", "callback-requested", "general-question",
    "official-languages", "web-form", "privacy",
)

# key -> (name, description); trackers are named by the team, bilingually.
TRACKERS: dict[str, tuple[str, str]] = {
    "portal-outage": (
        "Portal outage / Panne du portail",
        "Sign-in and payment errors on the online portal. / Erreurs de connexion et de paiement dans le portail.",
    ),
    "study-permit-cap": (
        "Study permit cap questions / Questions sur le plafond des permis d'études",
        "Questions about attestation letters and the cap. / Questions sur les lettres d'attestation et le plafond.",
    ),
    "passport-backlog": (
        "Passport backlog / Arriéré des passeports",
        "Late passports and urgent travel. / Passeports en retard et voyages urgents.",
    ),
    "scam-alert": (
        "Scam alert: fake IRCC calls / Alerte : faux appels d'IRCC",
        "Reports of fraud and fake calls. / Signalements de fraude et de faux appels.",
    ),
    "media-mp": (
        "Media and MP inquiries / Demandes des médias et des députés",
        "Requests to route to media relations or MP liaison. / Demandes à acheminer.",
    ),
}
