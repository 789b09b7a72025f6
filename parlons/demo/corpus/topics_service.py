"""The cases about service: processing times, application status, biometrics, refugee claims, the website,
PR cards, feedback, fraud and the media."""

from __future__ import annotations

from parlons.demo.corpus.conversation import Case, Topic

# Hand-laid tables of data: one-item-per-line formatting would make them two to four times longer.
# fmt: off

SERVICE_TOPICS: tuple[Topic, ...] = (
    Topic("processing", 7, (
        Case(
            ("processing-time", "complaint"),
            ("Processing time changed overnight",
             "The processing time on your website went from {weeks} weeks to {weeks2} weeks overnight. What "
             "happened?",
             "Thank you for your message. Processing times are estimates based on how long most applications "
             "took over the past months, and they are updated regularly. A change on the website doesn't change "
             "the place of your application in the queue."),
            ("Délai de traitement modifié du jour au lendemain",
             "Le délai de traitement sur votre site Web est passé de {weeks} à {weeks2} semaines du jour au "
             "lendemain. Que s'est-il passé?",
             "Merci de votre message. Les délais de traitement sont des estimations fondées sur le temps qu'il a "
             "fallu pour traiter la plupart des demandes au cours des derniers mois, et ils sont mis à jour "
             "régulièrement. Un changement sur le site Web ne modifie pas la place de votre demande dans la file "
             "d'attente."),
        ),
        Case(
            ("processing-time", "complaint", "escalated"),
            ("Why is it taking so long?",
             "Why does it take so long? I've been waiting {months} months for a simple answer. This is ridiculous.",
             "We understand your frustration and we're sorry for the delay. We have flagged your file to the "
             "processing office. You will be contacted directly if anything else is needed."),
            ("Pourquoi est-ce si long?",
             "Pourquoi est-ce si long? J'attends une simple réponse depuis {months} mois. C'est ridicule.",
             "Nous comprenons votre frustration et nous sommes désolés du retard. Nous avons signalé votre dossier "
             "au bureau de traitement. On communiquera directement avec vous si autre chose est nécessaire."),
            priority="high",
        ),
        Case(
            ("processing-time", "biometrics"),
            ("When does the processing time start?",
             "Is the processing time counted from the day I paid or from the day my biometrics were taken?",
             "The processing time starts on the day we receive a complete application, which includes your "
             "biometrics. If you gave your biometrics after you applied, the clock starts on that day."),
            ("Quand le délai de traitement commence-t-il?",
             "Est-ce que le délai de traitement est calculé à partir du jour du paiement ou du jour où mes données "
             "biométriques ont été prises?",
             "Le délai de traitement commence le jour où nous recevons une demande complète, ce qui comprend vos "
             "données biométriques. Si vous les avez fournies après votre demande, le calcul commence ce jour-là."),
        ),
    )),
    Topic("status", 8, (
        Case(
            ("application-status", "privacy"),
            ("Status of application {app}",
             "Could you tell me the status of my application {app}? My account still says \"In progress\" after "
             "{months} months.",
             "Thank you for contacting us. An application can stay \"In progress\" for a while without anything "
             "being needed from you. The processing time for your type of application is on our website, and you "
             "will get a message in your account as soon as there is news."),
            ("État de la demande {app}",
             "Pourriez-vous me dire où en est ma demande {app}? Mon compte indique encore « En cours » après "
             "{months} mois.",
             "Merci de communiquer avec nous. Une demande peut rester « En cours » un certain temps sans que vous "
             "ayez quoi que ce soit à faire. Le délai de traitement pour votre type de demande est indiqué sur "
             "notre site Web, et vous recevrez un message dans votre compte dès qu'il y aura du nouveau."),
        ),
        Case(
            ("missing-documents", "ircc-account", "web-form"),
            ("Request for documents – upload link broken",
             "I received an e-mail asking for additional documents but the link in my account doesn't work. What "
             "should I do?",
             "If the upload link doesn't work, try another browser and clear your cache. You can also send the "
             "documents through the web form, quoting your application number."),
            ("Demande de documents – lien de téléversement brisé",
             "J'ai reçu un courriel me demandant des documents supplémentaires, mais le lien dans mon compte ne "
             "fonctionne pas. Que dois-je faire?",
             "Si le lien de téléversement ne fonctionne pas, essayez un autre navigateur et videz la mémoire "
             "cache. Vous pouvez aussi envoyer les documents au moyen du formulaire Web en indiquant votre numéro "
             "de demande."),
        ),
        Case(
            ("application-status", "ircc-account"),
            ("\"Decision made\" but no letter",
             "My application status changed to \"Decision made\" but I don't see any letter. Is it approved?",
             "\"Decision made\" means a final decision was recorded; the letter usually appears in your account "
             "within a few days. If nothing appears after 30 days, please write to us through the web form."),
            ("« Décision rendue », mais aucune lettre",
             "L'état de ma demande est passé à « Décision rendue », mais je ne vois aucune lettre. Est-ce que "
             "c'est approuvé?",
             "« Décision rendue » signifie qu'une décision définitive a été consignée; la lettre apparaît "
             "habituellement dans votre compte dans les jours qui suivent. Si rien n'apparaît après 30 jours, "
             "écrivez-nous au moyen du formulaire Web."),
        ),
    )),
    Topic("biometrics", 5, (
        Case(
            ("biometrics",),
            ("Biometrics appointment before the deadline",
             "I received my biometric instruction letter but there are no appointments in {city} before the "
             "deadline. What can I do?",
             "If you can't get an appointment before the deadline, book the first one available and keep proof "
             "of the booking. You can also write to us through the web form to ask for more time."),
            ("Rendez-vous pour la biométrie avant la date limite",
             "J'ai reçu ma lettre d'instructions pour la biométrie, mais il n'y a aucun rendez-vous à {city} "
             "avant la date limite. Que puis-je faire?",
             "Si vous ne pouvez pas obtenir de rendez-vous avant la date limite, réservez le premier disponible "
             "et gardez une preuve de la réservation. Vous pouvez aussi nous écrire au moyen du formulaire Web "
             "pour demander un délai supplémentaire."),
        ),
        Case(
            ("biometrics", "work-permit"),
            ("Do I need to give biometrics again?",
             "I gave my fingerprints in {year} for my study permit. Do I have to give them again for my work "
             "permit?",
             "Biometrics are valid for 10 years, so if you gave them in the last 10 years for another application "
             "you don't need to give them again. Your online account will tell you if they are still required."),
            ("Dois-je redonner mes données biométriques?",
             "J'ai donné mes empreintes digitales en {year} pour mon permis d'études. Dois-je les redonner pour "
             "mon permis de travail?",
             "Les données biométriques sont valides pendant 10 ans; si vous les avez fournies au cours des 10 "
             "dernières années pour une autre demande, vous n'avez pas à les fournir de nouveau. Votre compte en "
             "ligne vous indiquera si elles sont encore requises."),
            priority="low",
        ),
    )),
    Topic("refugee", 5, (
        Case(
            ("refugee-claim", "work-permit", "medical-exam"),
            ("Refugee claim – work permit",
             "I made a refugee claim in {city} {months} months ago. When will I receive my work permit?",
             "Claimants who have completed their medical exam can receive a work permit without applying "
             "separately. If it has been more than a few months, please write to us through the web form with "
             "your client ID."),
            ("Demande d'asile – permis de travail",
             "J'ai présenté une demande d'asile à {city} il y a {months} mois. Quand vais-je recevoir mon permis "
             "de travail?",
             "Les demandeurs d'asile qui ont passé leur examen médical peuvent recevoir un permis de travail sans "
             "présenter de demande distincte. Si plusieurs mois se sont écoulés, écrivez-nous au moyen du "
             "formulaire Web en indiquant votre numéro de client."),
        ),
        Case(
            ("interim-federal-health", "refugee-claim"),
            ("Interim Federal Health Program coverage",
             "My pharmacy says my IFHP coverage has expired. My hearing is on {date}. Who do I call?",
             "Your Interim Federal Health Program coverage stays valid while your claim is in progress. Ask your "
             "pharmacy to contact Medavie Blue Cross, the program's administrator, to confirm your eligibility."),
            ("Couverture du Programme fédéral de santé intérimaire",
             "Ma pharmacie dit que ma couverture du PFSI est expirée. Mon audience est le {date}. Qui dois-je "
             "appeler?",
             "Votre couverture du Programme fédéral de santé intérimaire demeure valide pendant le traitement de "
             "votre demande d'asile. Demandez à votre pharmacie de communiquer avec Croix Bleue Medavie, "
             "l'administrateur du programme, pour confirmer votre admissibilité."),
            priority="high",
        ),
        Case(
            ("change-of-address", "refugee-claim"),
            ("Change of address – refugee claim",
             "How can I change the address on my refugee claim? I moved to {city}.",
             "You must tell both IRCC and the Immigration and Refugee Board about your new address within 10 "
             "days. You can update it with us through the web form."),
            ("Changement d'adresse – demande d'asile",
             "Comment changer l'adresse dans ma demande d'asile? J'ai déménagé à {city}.",
             "Vous devez informer IRCC et la Commission de l'immigration et du statut de réfugié de votre nouvelle "
             "adresse dans les 10 jours. Vous pouvez nous la transmettre au moyen du formulaire Web."),
        ),
    )),
    Topic("website", 7, (
        Case(
            ("website-problem", "gckey", "ircc-account"),
            ("Can't sign in to my IRCC account",
             "Is the website down? I keep getting an error page when I try to sign in with GCKey.",
             "Thank you for letting us know. We are aware of a technical issue affecting sign-in and our teams are "
             "working on it. Please try again later; you will not be penalized if a deadline falls during the "
             "outage."),
            ("Impossible de me connecter à mon compte IRCC",
             "Est-ce que le site est en panne? Je reçois toujours une page d'erreur quand j'essaie de me connecter "
             "avec ma CléGC.",
             "Merci de nous en informer. Nous sommes au courant d'un problème technique qui touche la connexion "
             "et nos équipes y travaillent. Veuillez réessayer plus tard; vous ne serez pas pénalisé si une date "
             "limite tombe pendant la panne."),
            priority="high", tracker="portal-outage",
        ),
        Case(
            ("payment-error", "fees", "refund"),
            ("Error when paying my fees online",
             "I tried to pay my fees three times and got \"Payment failed\" each time, but my bank shows the "
             "charges. Help!",
             "We're sorry for the trouble. When a payment fails, the amount held by your bank is usually released "
             "within a few business days. Please don't pay again until you have checked your online account; if "
             "you were charged twice, we will refund the extra payment."),
            ("Erreur lors du paiement de mes frais en ligne",
             "J'ai essayé de payer mes frais trois fois et j'ai eu « Paiement refusé » chaque fois, mais ma banque "
             "affiche les montants. À l'aide!",
             "Nous sommes désolés de ce problème. Lorsqu'un paiement échoue, le montant retenu par votre banque "
             "est habituellement libéré en quelques jours ouvrables. Ne payez pas de nouveau avant d'avoir vérifié "
             "votre compte en ligne; si vous avez été facturé deux fois, nous vous rembourserons le paiement en "
             "trop."),
            tracker="portal-outage",
        ),
        Case(
            ("online-portal", "website-problem", "application-status"),
            ("Portal logged me out – application {app} not submitted",
             "The portal logged me out while I was uploading documents and now application {app} shows as not "
             "submitted.",
             "Please clear your browser's cache and sign in again: a draft is saved for 60 days. If the problem "
             "continues, send us a screenshot of the error (without personal information) by private message."),
            ("Déconnecté du portail – demande {app} non soumise",
             "Le portail m'a déconnecté pendant que je téléversais mes documents et maintenant la demande {app} "
             "est indiquée comme non soumise.",
             "Veuillez vider la mémoire cache de votre navigateur et vous reconnecter : une ébauche est conservée "
             "pendant 60 jours. Si le problème persiste, envoyez-nous par message privé une capture d'écran de "
             "l'erreur (sans renseignements personnels)."),
        ),
        Case(
            ("website-problem", "official-languages"),
            ("French page sends me to English",
             "Your French page sends me back to the English one when I click \"Apply online\". Please fix it.",
             "Thank you for reporting this. We have passed it on to our web team so the link can be fixed."),
            ("La page française me renvoie à l'anglais",
             "La version française de votre site me renvoie à la page en anglais quand je clique sur « Présenter "
             "une demande en ligne ». Ce n'est pas acceptable.",
             "Merci de nous l'avoir signalé. Nous avons transmis le problème à notre équipe Web afin que le lien "
             "soit corrigé."),
            priority="low",
        ),
    )),
    Topic("pr_card", 5, (
        Case(
            ("pr-card", "pr-travel-document"),
            ("PR card expiring while abroad",
             "My PR card expires on {date}. I'm {in_country} for my father's surgery. Can I come back to Canada "
             "with an expired card?",
             "To come back to Canada by plane, bus, train or boat, you need a valid PR card or a permanent "
             "resident travel document (PRTD). You can apply for a PRTD from outside Canada; an expired card "
             "doesn't mean you have lost your status."),
            ("Carte RP qui expire pendant que je suis à l'étranger",
             "Ma carte RP expire le {date}. Je suis {in_country} pour l'opération de mon père. Est-ce que je peux "
             "revenir au Canada avec une carte expirée?",
             "Pour revenir au Canada par avion, autobus, train ou bateau, vous devez avoir une carte RP valide ou "
             "un titre de voyage pour résident permanent (TVRP). Vous pouvez demander un TVRP depuis l'étranger; "
             "une carte expirée ne signifie pas que vous avez perdu votre statut."),
            priority="high",
        ),
        Case(
            ("pr-card", "processing-time"),
            ("PR card renewal taking long",
             "I applied to renew my PR card {months} months ago. Is it normal that it takes this long?",
             "Thanks for your patience. PR card renewals are taking longer than usual. If you need to travel "
             "urgently, you can ask for urgent processing through the web form, with proof of travel."),
            ("Renouvellement de la carte RP qui tarde",
             "J'ai demandé le renouvellement de ma carte RP il y a {months} mois. Est-ce normal que ce soit si "
             "long?",
             "Merci de votre patience. Les renouvellements de cartes RP prennent plus de temps qu'à l'habitude. "
             "Si vous devez voyager de façon urgente, vous pouvez demander un traitement urgent au moyen du "
             "formulaire Web, avec une preuve de voyage."),
        ),
        Case(
            ("pr-card",),
            ("Spelling mistake on my PR card",
             "My PR card has a spelling mistake in my name. How do I get it fixed?",
             "If the error is ours, you can ask for a corrected card free of charge. Send us a copy of the card "
             "and of your identity document through the web form."),
            ("Faute d'orthographe sur ma carte RP",
             "Il y a une faute d'orthographe dans mon nom sur ma carte RP. Comment la faire corriger?",
             "Si l'erreur est de notre part, vous pouvez demander une carte corrigée sans frais. Envoyez-nous une "
             "copie de la carte et de votre pièce d'identité au moyen du formulaire Web."),
            priority="low",
        ),
    )),
    Topic("feedback", 5, (
        Case(
            ("compliment",),
            ("Thank you!",
             "Just wanted to say thank you to the agent who helped me last week. I got my PR card today! 🇨🇦",
             "Thank you so much for your kind words! We'll share them with the team. Congratulations and welcome "
             "home!"),
            ("Merci!",
             "Je voulais simplement remercier l'agente qui m'a aidée la semaine dernière. J'ai reçu ma carte RP "
             "aujourd'hui! 🇨🇦",
             "Merci beaucoup de vos bons mots! Nous les transmettrons à l'équipe. Félicitations et bienvenue chez "
             "vous!"),
            priority="low",
        ),
        Case(
            ("complaint", "callback-requested"),
            ("Complaint about the call centre",
             "I waited 2 hours on the phone and then the call was cut. This is unacceptable service.",
             "We're sorry to hear about your experience. We have shared your comments with the team responsible. "
             "If you want to make a formal complaint, you can use the client feedback form on our website."),
            ("Plainte au sujet du centre d'appels",
             "J'ai attendu 2 heures au téléphone et l'appel a été coupé. C'est un service inacceptable.",
             "Nous sommes désolés de votre expérience. Nous avons transmis vos commentaires à l'équipe "
             "responsable. Si vous souhaitez déposer une plainte officielle, vous pouvez utiliser le formulaire "
             "de rétroaction des clients sur notre site Web."),
        ),
        Case(
            ("official-languages", "complaint"),
            ("French posts published late",
             "Why are your posts in French always published hours after the English ones? Both official "
             "languages should be treated equally.",
             "Thank you for your feedback. We are committed to serving the public in both official languages and "
             "we've passed your comment on to our publishing team."),
            ("Publications en français en retard",
             "Vos publications en français sortent toujours des heures après celles en anglais. Les deux langues "
             "officielles devraient être traitées de façon égale.",
             "Merci de vos commentaires. Nous nous engageons à servir la population dans les deux langues "
             "officielles et nous avons transmis votre commentaire à notre équipe de publication."),
        ),
        Case(
            ("suggestion", "accessibility", "ircc-account"),
            ("Suggestion for the online account",
             "Suggestion: please add a progress bar to the online account so we know where our application is. "
             "Also, the page is hard to use with my screen reader.",
             "Thank you for the suggestion and for telling us about the screen reader problem. Both have been "
             "sent to the team that maintains the online account."),
            ("Suggestion pour le compte en ligne",
             "Suggestion : ajoutez une barre de progression dans le compte en ligne pour qu'on sache où en est "
             "notre demande. Aussi, la page est difficile à utiliser avec mon lecteur d'écran.",
             "Merci de votre suggestion et de nous avoir signalé le problème avec le lecteur d'écran. Les deux ont "
             "été transmis à l'équipe responsable du compte en ligne."),
            priority="low",
        ),
    )),
    Topic("fraud", 4, (
        Case(
            ("fraud-scam",),
            ("Call from \"IRCC\" asking for gift cards",
             "I got a call from someone saying they're from IRCC and that I must pay $2,000 in gift cards or be "
             "deported. Is this real?",
             "This is a scam. IRCC will never call you to ask for payment in gift cards or cryptocurrency, or "
             "threaten you with deportation. Hang up and report it to the Canadian Anti-Fraud Centre."),
            ("Appel d'« IRCC » qui demande des cartes-cadeaux",
             "J'ai reçu un appel d'une personne qui dit travailler pour IRCC; je devrais payer 2 000 $ en "
             "cartes-cadeaux, sinon je serai expulsé. Est-ce vrai?",
             "Il s'agit d'une arnaque. IRCC ne vous appellera jamais pour vous demander un paiement en "
             "cartes-cadeaux ou en cryptomonnaie, et ne vous menacera jamais d'expulsion. Raccrochez et signalez "
             "l'appel au Centre antifraude du Canada."),
            priority="high", tracker="scam-alert",
        ),
        Case(
            ("fraud-scam", "work-permit"),
            ("Is this website legitimate?",
             "Is this website legit? {scam_url} says it can guarantee a work permit for $500.",
             "Be careful: no one can guarantee a visa or a work permit. Only use official Government of Canada "
             "websites, which end in canada.ca or gc.ca, to apply and pay fees."),
            ("Ce site est-il fiable?",
             "Est-ce que ce site est fiable? {scam_url} dit pouvoir garantir un permis de travail pour 500 $.",
             "Soyez prudent : personne ne peut garantir un visa ou un permis de travail. Utilisez uniquement les "
             "sites officiels du gouvernement du Canada, qui se terminent par canada.ca ou gc.ca, pour présenter "
             "une demande et payer les frais."),
            tracker="scam-alert",
        ),
        Case(
            ("misinformation",),
            ("Rumour about permanent residence for everyone",
             "People in a WhatsApp group say the government will give PR to everyone who arrived before {month}. "
             "Is that true?",
             "This is false. Official announcements about immigration programs are only published on canada.ca "
             "and on our official accounts. Please don't share unverified information."),
            ("Rumeur sur la résidence permanente pour tous",
             "Des gens dans un groupe WhatsApp disent que le gouvernement va accorder la résidence permanente à "
             "tous ceux arrivés avant {month}. Est-ce vrai?",
             "C'est faux. Les annonces officielles sur les programmes d'immigration sont publiées uniquement sur "
             "canada.ca et dans nos comptes officiels. Veuillez ne pas partager de renseignements non vérifiés."),
        ),
    )),
    Topic("media", 2, (
        Case(
            ("media-inquiry",),
            ("Media request – processing delays",
             "Hi, I'm a reporter in {city} working on a story about processing delays. Who can I speak to?",
             "Thank you for reaching out. Media requests are handled by our media relations team: please write to "
             "media@example.gc.ca with your deadline."),
            ("Demande des médias – délais de traitement",
             "Bonjour, je suis journaliste à {city} et je prépare un reportage sur les délais de traitement. À qui "
             "puis-je m'adresser?",
             "Merci de nous avoir écrit. Les demandes des médias sont traitées par notre équipe des relations avec "
             "les médias : écrivez à medias@example.gc.ca en précisant votre échéance."),
            priority="high", tracker="media-mp",
        ),
        Case(
            ("mp-inquiry", "application-status"),
            ("MP office – constituent file {app}",
             "Hello, I'm writing from the office of the Member of Parliament for {city} about a constituent's "
             "file, {app}.",
             "Thank you. Please send the constituent's signed consent form and the file number to our MP liaison "
             "unit through the dedicated channel."),
            ("Bureau de députée – dossier {app}",
             "Bonjour, je vous écris du bureau de la députée de {city} au sujet du dossier {app} d'une personne de "
             "la circonscription.",
             "Merci. Veuillez transmettre le formulaire de consentement signé et le numéro de dossier à notre "
             "unité de liaison avec les députés par le canal réservé à cette fin."),
            tracker="media-mp",
        ),
    )),
)
