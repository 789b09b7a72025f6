"""The shape of a demo conversation (``Case``, ``Topic``, the placeholders templates may use) and the pieces
that go around a case: greetings, sign-offs, follow-ups, thanks, agents' questions, internal notes, spam and
public profile bios, in both languages."""

from __future__ import annotations

from dataclasses import dataclass, field

# Hand-laid tables of data: one-item-per-line formatting would make them two to four times longer.
# fmt: off

# Every placeholder the generator fills (tests check that templates use no other).
PLACEHOLDERS = (
    "app", "applied_on", "date", "month", "days", "weeks", "weeks2", "months", "year", "crs", "city",
    "in_country", "from_country", "scam_url", "name", "agent", "office", "colleague", "ref", "dob", "handle",
)

# --- conversations --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One kind of request: the client's first message and the agent's answer, in both languages.

    ``en`` and ``fr`` are (e-mail subject, first message, agent's answer)."""

    tags: tuple[str, ...]
    en: tuple[str, str, str]
    fr: tuple[str, str, str]
    priority: str = ""  # a hint: "high", "urgent", "low" or "" (drawn)
    tracker: str = ""  # the tracker such tickets are sometimes filed under


@dataclass(frozen=True)
class Topic:
    key: str
    weight: float
    cases: tuple[Case, ...] = field(default_factory=tuple)


# --- pieces that go around a case ----------------------------------------------------------------
GREETINGS = {
    "en": ("Hello,", "Hi,", "Good morning,", "Good afternoon,", "Hi there,", "Hello!"),
    "fr": ("Bonjour,", "Bonjour,", "Bonjour à vous,", "Bonsoir,", "Allô,", "Bonjour!"),
}
SIGN_OFFS = {
    "en": ("Thank you,", "Thanks in advance,", "Regards,", "Best regards,", "Thank you for your help,"),
    "fr": ("Merci,", "Merci à l'avance,", "Cordialement,", "Bonne journée,", "Merci de votre aide,"),
}
AGENT_GREETINGS = {
    "en": ("Hello {name},", "Hi {name},", "Good morning {name},", "Hello,"),
    "fr": ("Bonjour {name},", "Bonjour {name},", "Bonjour,", "Bonsoir {name},"),
}
AGENT_CLOSINGS = {
    "en": ("Have a good day!", "Have a great day.", "Don't hesitate to write to us if you have other questions.",
           "Thank you for your patience."),
    "fr": ("Bonne journée!", "Bonne fin de journée.", "N'hésitez pas à nous écrire si vous avez d'autres questions.",
           "Merci de votre patience."),
}
DEPARTMENT = {
    "en": "Immigration, Refugees and Citizenship Canada",
    "fr": "Immigration, Réfugiés et Citoyenneté Canada",
}
SOCIAL_SIGNATURE = {"en": "– {agent}, IRCC social media team", "fr": "– {agent}, équipe des médias sociaux d'IRCC"}

# What the client writes next, when the conversation goes on.
CLIENT_FOLLOW_UPS = {
    "en": (
        "Any update? It's been {days} days.",
        "Hello? Is anyone reading these messages?",
        "I also sent the documents by mail, is that OK?",
        "Thanks, but that doesn't answer my question. My situation is urgent.",
        "I checked my account again and nothing has changed.",
        "Sorry, one more question: does this also apply to my spouse?",
    ),
    "fr": (
        "Des nouvelles? Ça fait {days} jours.",
        "Allô? Est-ce que quelqu'un lit ces messages?",
        "J'ai aussi envoyé les documents par la poste, est-ce correct?",
        "Merci, mais ça ne répond pas à ma question. Ma situation est urgente.",
        "J'ai vérifié mon compte de nouveau et rien n'a changé.",
        "Désolée, une autre question : est-ce que ça s'applique aussi à mon époux?",
    ),
}
# The client answers a request for information (private channels only), by what was asked.
CLIENT_DETAILS = {
    "file": {
        "en": ("My application number is {app} and my date of birth is {dob}.",
               "Here it is: {app}. I applied {in_country}.",
               "I applied on {applied_on}, file {app}. Thank you for looking into it."),
        "fr": ("Mon numéro de demande est {app} et ma date de naissance est le {dob}.",
               "Le voici : {app}. J'ai fait ma demande {in_country}.",
               "J'ai fait ma demande le {applied_on}, dossier {app}. Merci de vérifier."),
    },
    "screenshot": {
        "en": ("Screenshot sent. The error says \"Session expired\" every time.",
               "Here is the screenshot. It happens on my phone and on my computer."),
        "fr": ("Capture d'écran envoyée. Le message d'erreur dit « Session expirée » chaque fois.",
               "Voici la capture d'écran. Ça arrive sur mon téléphone et sur mon ordinateur."),
    },
}
CLIENT_THANKS = {
    "en": ("Thank you!", "Thanks a lot, that helps.", "Perfect, thank you for your help!", "Got it, thanks 🙏",
           "Great news, thank you so much!"),
    "fr": ("Merci!", "Merci beaucoup, ça m'aide.", "Parfait, merci de votre aide!", "D'accord, merci 🙏",
           "Excellente nouvelle, merci mille fois!"),
}
# The agent asks for what they need (the ticket then waits on the client: pending); "file" asks suit
# questions about an application, "screenshot" asks suit website problems.
AGENT_ASKS = {
    "file": {
        "en": ("To look into this, could you send us your application number and date of birth?",
               "Could you tell us when you submitted your application and from which country?"),
        "fr": ("Pour vérifier, pourriez-vous nous envoyer votre numéro de demande et votre date de naissance?",
               "Pourriez-vous nous dire quand vous avez soumis votre demande et à partir de quel pays?"),
    },
    "screenshot": {
        "en": ("Could you send us a screenshot of the error message (without personal information)?",),
        "fr": ("Pourriez-vous nous envoyer une capture d'écran du message d'erreur (sans renseignements "
               "personnels)?",),
    },
}
# Topics where agents ask for details before answering, and what they ask for.
ASK_TOPICS = {
    "study_permit": "file", "work_permit": "file", "express_entry": "file", "family": "file",
    "citizenship": "file", "passport": "file", "processing": "file", "status": "file", "pr_card": "file",
    "refugee": "file", "biometrics": "file", "website": "screenshot",
}
AGENT_ASKS_PUBLIC = {
    "en": ("For your privacy, please don't post personal information here. Send us a private message with your "
           "application number and we'll look into it.",),
    "fr": ("Pour protéger vos renseignements personnels, ne les publiez pas ici. Envoyez-nous un message privé avec "
           "votre numéro de demande et nous ferons le suivi.",),
}
AGENT_FOLLOW_UPS = {
    "en": (
        "Thank you for the information. We checked file {app}: it is in progress and nothing is needed from you "
        "for now.",
        "Thanks. We have forwarded your file to the processing office in {office}, which will contact you directly "
        "if anything else is needed.",
        "Thank you for your patience. Your request has been escalated; you should hear from us within {days} "
        "business days.",
        "We understand. Unfortunately we can't speed up the processing, but your file is complete.",
    ),
    "fr": (
        "Merci de ces renseignements. Nous avons vérifié le dossier {app} : il est en cours de traitement et vous "
        "n'avez rien à faire pour l'instant.",
        "Merci. Nous avons transmis votre dossier au bureau de traitement de {office}, qui communiquera directement "
        "avec vous si autre chose est nécessaire.",
        "Merci de votre patience. Votre demande a été transmise à un niveau supérieur; vous devriez avoir une "
        "réponse d'ici {days} jours ouvrables.",
        "Nous comprenons. Malheureusement, nous ne pouvons pas accélérer le traitement, mais votre dossier est "
        "complet.",
    ),
}
# Internal notes, in the agent's own language (OPS-4): any ticket, public comments, sensitive topics.
NOTES = {
    "en": (
        "Checked GCMS: file {app} is in final review. Told the client nothing is needed.",
        "Client is upset; please handle with care if they write again.",
        "Possible duplicate of a ticket from the same client on another channel.",
        "Escalated to the processing office in {office}. Waiting for their answer.",
        "Asked {colleague} to confirm the policy before replying.",
        "Client also called the call centre; reference {ref}.",
        "Approved wording from the policy team used in the reply.",
    ),
    "fr": (
        "Vérifié dans le SMGC : le dossier {app} est en révision finale. Client informé qu'il n'a rien à faire.",
        "Client mécontent; à traiter avec tact s'il réécrit.",
        "Doublon possible d'un billet du même client sur une autre plateforme.",
        "Transmis au bureau de traitement de {office}. En attente de leur réponse.",
        "J'ai demandé à {colleague} de confirmer la politique avant de répondre.",
        "La cliente a aussi appelé le centre d'appels; référence {ref}.",
        "Formulation approuvée par l'équipe des politiques utilisée dans la réponse.",
    ),
}
NOTES_PUBLIC = {
    "en": ("Personal information posted publicly: comment hidden, client asked to write by private message.",
           "Comment getting a lot of replies from other users; keep an eye on the thread."),
    "fr": ("Renseignements personnels publiés : commentaire masqué, client invité à écrire en message privé.",
           "Beaucoup de réponses d'autres utilisateurs sous ce commentaire; surveiller le fil."),
}
NOTES_SENSITIVE = {
    "en": ("Media-sensitive: flagged to the communications lead.",
           "Shared with the fraud unit; same scam reported several times this week."),
    "fr": ("Sujet sensible pour les médias : signalé à la responsable des communications.",
           "Transmis à l'unité des fraudes; même arnaque signalée plusieurs fois cette semaine."),
}
SENSITIVE_TOPICS = ("media", "fraud", "feedback")
SPAM = {
    "en": (
        "🚀 Earn $5,000 a week from home with crypto! DM me now 💰 {scam_url}",
        "Get your Canadian visa GUARANTEED in 7 days!!! Message us on WhatsApp {scam_url}",
        "Follow me for daily giveaways 🎁🎁🎁",
        "Nice post! Check my profile for hot deals 🔥",
        "Cheap followers and likes, best price ➡️ {scam_url}",
    ),
    "fr": (
        "🚀 Gagnez 5 000 $ par semaine de la maison grâce à la crypto! Écrivez-moi 💰 {scam_url}",
        "Visa canadien GARANTI en 7 jours!!! Contactez-nous sur WhatsApp {scam_url}",
        "Abonnez-vous pour des concours tous les jours 🎁🎁🎁",
        "Belle publication! Allez voir mon profil pour des aubaines 🔥",
        "Abonnés et mentions J'aime à petit prix ➡️ {scam_url}",
    ),
}
X_BIOS = {
    "en": ("Proud Canadian 🇨🇦", "Nurse. Mom of two.", "Newcomer to Canada.", "Coffee, hockey, code.",
           "Student in {city}", "Software engineer | {city}", ""),
    "fr": ("Fière Canadienne 🇨🇦", "Étudiant à {city}", "Nouvel arrivant au Canada.", "Ingénieure logicielle | {city}",
           "Fan des Canadiens 🏒", "Café, randonnée et poutine.", ""),
}
