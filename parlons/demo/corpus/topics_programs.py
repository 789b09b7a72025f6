"""The cases about programs: study and work permits, visitor visas, Express Entry, family sponsorship,
citizenship and passports."""

from __future__ import annotations

from parlons.demo.corpus.conversation import Case, Topic

# Hand-laid tables of data: one-item-per-line formatting would make them two to four times longer.
# fmt: off

PROGRAM_TOPICS: tuple[Topic, ...] = (
    Topic("study_permit", 11, (
        Case(
            ("study-permit", "processing-time", "application-status"),
            ("Study permit application {app} – still no decision",
             "Hello, I applied for my study permit on {applied_on} (application {app}) and my classes start in "
             "{weeks} weeks. Is there any way to know when a decision will be made?",
             "Thank you for your message. Current processing times for study permits are posted on our website "
             "and updated every week. We have added a note to file {app}; you will get a message in your online "
             "account as soon as a decision is made."),
            ("Demande de permis d'études {app} – toujours pas de décision",
             "Bonjour, j'ai fait ma demande de permis d'études le {applied_on} (numéro {app}) et mes cours "
             "commencent dans {weeks} semaines. Est-il possible de savoir quand une décision sera rendue?",
             "Merci de votre message. Les délais de traitement des permis d'études sont publiés sur notre site "
             "Web et mis à jour chaque semaine. Nous avons ajouté une note au dossier {app}; vous recevrez un "
             "message dans votre compte en ligne dès qu'une décision sera rendue."),
        ),
        Case(
            ("study-permit-extension", "study-permit", "restoration-of-status"),
            ("Question about my study permit extension",
             "My study permit expires on {date}. Can I keep studying while my extension is being processed? "
             "I'm at a college in {city}.",
             "Thanks for reaching out. If you applied to extend your permit before it expired, you can keep "
             "studying under the same conditions until a decision is made (maintained status). Keep a copy of "
             "your submission confirmation with you."),
            ("Question sur la prolongation de mon permis d'études",
             "Mon permis d'études expire le {date}. Est-ce que je peux continuer mes études pendant le "
             "traitement de ma demande de prolongation? J'étudie dans un cégep à {city}.",
             "Merci de nous avoir écrit. Si vous avez demandé la prolongation de votre permis avant son "
             "expiration, vous pouvez continuer vos études aux mêmes conditions jusqu'à ce qu'une décision soit "
             "rendue (statut maintenu). Gardez une copie de votre confirmation de soumission."),
        ),
        Case(
            ("provincial-attestation-letter", "study-permit", "designated-learning-institution"),
            ("Provincial attestation letter for my study permit",
             "Do I need a provincial attestation letter if I'm transferring to another school in {city}? My study "
             "permit application number is {app}.",
             "Thanks for your question. A provincial attestation letter is required for most new study permit "
             "applications. If you change schools, you don't need a new permit, but you must update your school "
             "information in your online account."),
            ("Lettre d'attestation provinciale pour mon permis d'études",
             "Ai-je besoin d'une lettre d'attestation provinciale si je change d'établissement à {city}? Mon "
             "numéro de demande de permis d'études est {app}.",
             "Merci de votre question. Une lettre d'attestation provinciale est exigée pour la plupart des "
             "nouvelles demandes de permis d'études. Si vous changez d'établissement, vous n'avez pas besoin d'un "
             "nouveau permis, mais vous devez mettre à jour les renseignements sur votre établissement dans votre "
             "compte en ligne."),
            tracker="study-permit-cap",
        ),
        Case(
            ("letter-of-acceptance", "study-permit", "missing-documents", "online-portal"),
            ("Study permit – which document should I upload?",
             "I got my letter of acceptance from a university in {city}, but the online form keeps asking for a "
             "document I don't have. What should I upload?",
             "Thank you for writing. The document checklist in your account depends on the answers you gave in "
             "the questionnaire. If a document doesn't apply to you, upload a letter of explanation in its place."),
            ("Permis d'études – quel document dois-je téléverser?",
             "J'ai reçu ma lettre d'acceptation d'une université à {city}, mais le formulaire en ligne me demande "
             "un document que je n'ai pas. Qu'est-ce que je dois téléverser?",
             "Merci de votre message. La liste de documents de votre compte dépend des réponses données au "
             "questionnaire. Si un document ne s'applique pas à votre situation, téléversez plutôt une lettre "
             "d'explication."),
        ),
    )),
    Topic("work_permit", 9, (
        Case(
            ("post-graduation-work-permit", "work-permit"),
            ("Post-graduation work permit – application {app}",
             "I finished my program in {city} in {month} and applied for a post-graduation work permit ({app}). "
             "Can I start working full time while I wait?",
             "Thank you for your question. If you applied for a post-graduation work permit before your study "
             "permit expired and you were allowed to work off campus, you can work full time while we process "
             "your application. Keep your acknowledgement of receipt."),
            ("Permis de travail postdiplôme – demande {app}",
             "J'ai terminé mon programme à {city} en {month} et j'ai demandé un permis de travail postdiplôme "
             "({app}). Est-ce que je peux travailler à temps plein en attendant?",
             "Merci de votre question. Si vous avez présenté votre demande de permis de travail postdiplôme "
             "avant l'expiration de votre permis d'études et que vous aviez le droit de travailler hors campus, "
             "vous pouvez travailler à temps plein pendant le traitement. Conservez votre accusé de réception."),
        ),
        Case(
            ("lmia", "work-permit", "processing-time"),
            ("Work permit after a positive LMIA",
             "My employer in {city} got a positive LMIA. How long does the work permit take after that?",
             "Thanks for writing to us. Processing times for work permits depend on where you apply from; the "
             "processing times tool on our website gives the current estimate. Make sure your biometrics are "
             "done, since that is often what delays a file."),
            ("Permis de travail après une EIMT favorable",
             "Mon employeur à {city} a obtenu une EIMT favorable. Combien de temps faut-il ensuite pour obtenir "
             "le permis de travail?",
             "Merci de nous avoir écrit. Les délais de traitement des permis de travail varient selon l'endroit "
             "d'où vous présentez votre demande; l'outil des délais de traitement sur notre site Web donne "
             "l'estimation actuelle. Assurez-vous d'avoir fourni vos données biométriques, car c'est souvent ce "
             "qui retarde un dossier."),
        ),
        Case(
            ("spousal-work-permit", "open-work-permit"),
            ("Open work permit for my spouse",
             "My wife has a work permit in {city}. Am I eligible for an open work permit as her spouse? We are "
             "{from_country}.",
             "Thank you for your message. Spouses of some work permit holders can get an open work permit, "
             "depending on the type of job your wife holds. The eligibility tool on our website will tell you "
             "in a few questions."),
            ("Permis de travail ouvert pour mon conjoint",
             "Ma conjointe a un permis de travail à {city}. Suis-je admissible à un permis de travail ouvert en "
             "tant qu'époux? Nous venons {from_country}.",
             "Merci de votre message. Les époux de certains titulaires de permis de travail peuvent obtenir un "
             "permis de travail ouvert, selon le type d'emploi qu'occupe votre conjointe. L'outil d'admissibilité "
             "sur notre site Web vous répondra en quelques questions."),
        ),
        Case(
            ("international-experience-canada", "work-permit", "medical-exam"),
            ("International Experience Canada – port of entry letter",
             "I got my port of entry letter for International Experience Canada. Do I need a medical exam before "
             "flying to {city}?",
             "Congratulations! Your letter says whether a medical exam was required. If you worked in health care "
             "or child care, you needed one before you applied. Bring the letter and proof of insurance to the "
             "border."),
            ("Expérience internationale Canada – lettre d'introduction",
             "J'ai reçu ma lettre d'introduction pour Expérience internationale Canada. Ai-je besoin d'un examen "
             "médical avant de prendre l'avion pour {city}?",
             "Félicitations! Votre lettre indique si un examen médical était exigé. Si vous travailliez dans les "
             "soins de santé ou auprès d'enfants, vous deviez le passer avant de présenter votre demande. "
             "Présentez la lettre et votre preuve d'assurance à la frontière."),
        ),
    )),
    Topic("visitor", 9, (
        Case(
            ("super-visa", "visitor-visa", "parents-grandparents"),
            ("Visitor visa or super visa for my parents?",
             "My parents live {in_country} and want to visit us in {city} for my daughter's birth in {month}. "
             "Should they apply for a visitor visa or a super visa?",
             "Thank you for your message. A super visa lets parents and grandparents stay up to 5 years at a time, "
             "but it requires proof of medical insurance and an invitation letter. A visitor visa is usually "
             "enough for a shorter stay."),
            ("Visa de visiteur ou super visa pour mes parents?",
             "Mes parents habitent {in_country} et veulent nous rendre visite à {city} pour la naissance de ma "
             "fille en {month}. Doivent-ils demander un visa de visiteur ou un super visa?",
             "Merci de votre message. Le super visa permet aux parents et aux grands-parents de séjourner jusqu'à "
             "5 ans à la fois, mais il exige une preuve d'assurance médicale et une lettre d'invitation. Un visa "
             "de visiteur suffit généralement pour un séjour plus court."),
        ),
        Case(
            ("eta", "fees", "fraud-scam"),
            ("eTA application – no e-mail received",
             "I paid for my eTA {days} days ago and I still haven't received any e-mail. Did I do something "
             "wrong?",
             "Most eTA applications are approved within minutes, but some take several days when we need more "
             "documents. Please check your junk mail and make sure you applied on the official Government of "
             "Canada website: third-party sites charge extra fees."),
            ("Demande d'AVE – aucun courriel reçu",
             "J'ai payé mon AVE il y a {days} jours et je n'ai toujours reçu aucun courriel. Est-ce que j'ai fait "
             "une erreur?",
             "La plupart des demandes d'AVE sont approuvées en quelques minutes, mais certaines prennent plusieurs "
             "jours si nous avons besoin d'autres documents. Vérifiez vos courriels indésirables et assurez-vous "
             "d'avoir fait la demande sur le site officiel du gouvernement du Canada : les sites de tiers exigent "
             "des frais supplémentaires."),
        ),
        Case(
            ("visitor-visa", "file-notes"),
            ("Visitor visa refused – can I reapply?",
             "My visitor visa was refused and the letter doesn't really explain why. Can I apply again right "
             "away?",
             "You can reapply at any time, but we recommend addressing the reasons in the refusal letter first. "
             "You can also request your file notes to get more details about the decision."),
            ("Visa de visiteur refusé – puis-je refaire une demande?",
             "Mon visa de visiteur a été refusé et la lettre n'explique pas vraiment pourquoi. Est-ce que je peux "
             "refaire une demande tout de suite?",
             "Vous pouvez présenter une nouvelle demande en tout temps, mais nous vous recommandons de répondre "
             "d'abord aux motifs indiqués dans la lettre de refus. Vous pouvez aussi demander les notes de votre "
             "dossier pour en savoir plus sur la décision."),
        ),
        Case(
            ("extend-stay", "visitor-record"),
            ("Extending my mother's visit",
             "My mother is visiting us in {city} and her stay ends on {date}. How can she stay a few more months?",
             "She can apply online for a visitor record before her status expires. If she applies on time, she "
             "can stay in Canada under the same conditions until we make a decision."),
            ("Prolonger la visite de ma mère",
             "Ma mère est en visite chez nous à {city} et son séjour se termine le {date}. Comment peut-elle "
             "rester quelques mois de plus?",
             "Elle peut demander en ligne une fiche du visiteur avant l'expiration de son statut. Si elle présente "
             "sa demande à temps, elle peut rester au Canada aux mêmes conditions jusqu'à ce que nous rendions "
             "une décision."),
        ),
    )),
    Topic("express_entry", 8, (
        Case(
            ("express-entry", "invitation-to-apply", "crs-score"),
            ("Express Entry – deadline after my invitation",
             "I received an invitation to apply through Express Entry on {applied_on}. My CRS score was {crs}. "
             "How long do I have to submit my application?",
             "Congratulations on your invitation! You have 60 days from the date of the invitation to submit a "
             "complete application for permanent residence. Make sure every document, including police "
             "certificates, is valid when you submit."),
            ("Entrée express – délai après mon invitation",
             "J'ai reçu une invitation à présenter une demande dans Entrée express le {applied_on}. Ma note du "
             "SCG était de {crs}. Combien de temps ai-je pour soumettre ma demande?",
             "Félicitations pour votre invitation! Vous avez 60 jours à partir de la date de l'invitation pour "
             "soumettre une demande de résidence permanente complète. Assurez-vous que tous vos documents, y "
             "compris les certificats de police, sont valides au moment de la soumission."),
        ),
        Case(
            ("provincial-nominee-program", "processing-time", "application-status"),
            ("Provincial nominee – PR application {app}",
             "I was nominated by my province and my PR application ({app}) has been in progress for {months} "
             "months. Is that normal?",
             "Thanks for your patience. Processing times for provincial nominees are longer than for other "
             "Express Entry programs. Your application {app} is in progress and nothing is required from you at "
             "this time."),
            ("Candidat d'une province – demande de RP {app}",
             "J'ai été désigné par ma province et ma demande de résidence permanente ({app}) est en traitement "
             "depuis {months} mois. Est-ce normal?",
             "Merci de votre patience. Les délais de traitement pour les candidats des provinces sont plus longs "
             "que pour les autres programmes d'Entrée express. Votre demande {app} est en cours de traitement et "
             "vous n'avez rien à faire pour le moment."),
        ),
        Case(
            ("language-test", "express-entry"),
            ("Language test results expiring",
             "My language test results expire next month. Will that affect my Express Entry profile?",
             "Language test results must be valid on the day you submit your application. If they expire before "
             "you get an invitation, your profile will no longer be eligible, so plan a new test early."),
            ("Résultats de test linguistique qui expirent",
             "Les résultats de mon test linguistique expirent le mois prochain. Est-ce que ça aura un effet sur "
             "mon profil Entrée express?",
             "Les résultats de test linguistique doivent être valides le jour où vous soumettez votre demande. "
             "S'ils expirent avant que vous receviez une invitation, votre profil ne sera plus admissible; "
             "prévoyez donc un nouveau test à l'avance."),
        ),
        Case(
            ("confirmation-of-pr", "pr-card", "change-of-address"),
            ("Confirmation of permanent residence – new address",
             "I got my confirmation of permanent residence. How do I make sure my PR card is mailed to my new "
             "address in {city}?",
             "Congratulations! Update your address with the web form as soon as possible; PR cards are not "
             "forwarded by Canada Post. Your card should arrive within a few weeks after the update."),
            ("Confirmation de résidence permanente – nouvelle adresse",
             "J'ai reçu ma confirmation de résidence permanente. Comment m'assurer que ma carte RP sera envoyée à "
             "ma nouvelle adresse à {city}?",
             "Félicitations! Mettez à jour votre adresse au moyen du formulaire Web le plus tôt possible; Postes "
             "Canada ne réachemine pas les cartes RP. Votre carte devrait arriver quelques semaines après la mise "
             "à jour."),
        ),
    )),
    Topic("family", 7, (
        Case(
            ("spousal-sponsorship", "application-status", "processing-time"),
            ("Spousal sponsorship – application {app}",
             "I sponsored my husband, who is {from_country}, {months} months ago. We received the acknowledgement "
             "of receipt but nothing since. Can you check application {app}?",
             "Thank you for your message. Spousal sponsorship applications are processed in the order they are "
             "received. File {app} is in progress and no other document is needed for now. Please watch your "
             "online account for updates."),
            ("Parrainage d'un époux – demande {app}",
             "J'ai parrainé mon mari, qui vient {from_country}, il y a {months} mois. Nous avons reçu l'accusé "
             "de réception, mais rien depuis. Pouvez-vous vérifier la demande {app}?",
             "Merci de votre message. Les demandes de parrainage d'un époux sont traitées dans l'ordre où elles "
             "sont reçues. Le dossier {app} est en cours de traitement et aucun autre document n'est requis pour "
             "l'instant. Surveillez votre compte en ligne pour les mises à jour."),
        ),
        Case(
            ("parents-grandparents", "super-visa"),
            ("Parents and grandparents program – next intake",
             "When will the parents and grandparents program open again? I want to sponsor my mother.",
             "Thanks for your question. Intake dates for the parents and grandparents program are announced on "
             "our website and our social media accounts. Meanwhile, the super visa may let your mother visit for "
             "long periods."),
            ("Programme des parents et des grands-parents – prochaine période",
             "Quand le Programme des parents et des grands-parents ouvrira-t-il de nouveau? Je veux parrainer ma "
             "mère.",
             "Merci de votre question. Les dates de réception des demandes du Programme des parents et des "
             "grands-parents sont annoncées sur notre site Web et dans nos médias sociaux. D'ici là, le super visa "
             "pourrait permettre à votre mère de vous rendre visite pendant de longues périodes."),
        ),
        Case(
            ("dependent-children", "spousal-sponsorship"),
            ("Including my stepson in a sponsorship",
             "Can I include my stepson as a dependent child in my spousal sponsorship application? He is 19 and "
             "a full-time student.",
             "Children under 22 who don't have a spouse or partner generally qualify as dependent children, so a "
             "19-year-old stepson would normally be eligible. Include him on the forms and provide proof of his "
             "relationship to your spouse."),
            ("Inclure mon beau-fils dans un parrainage",
             "Est-ce que je peux inclure mon beau-fils comme enfant à charge dans ma demande de parrainage de "
             "conjoint? Il a 19 ans et étudie à temps plein.",
             "Les enfants de moins de 22 ans qui n'ont pas d'époux ni de conjoint sont généralement considérés "
             "comme des enfants à charge; un beau-fils de 19 ans serait donc normalement admissible. Incluez-le "
             "dans les formulaires et fournissez une preuve de son lien avec votre conjointe."),
        ),
    )),
    Topic("citizenship", 10, (
        Case(
            ("citizenship-application", "citizenship-test", "processing-time"),
            ("Citizenship application {app} – test invitation",
             "I applied for citizenship {months} months ago and I still haven't been invited to the test. Is "
             "there a backlog?",
             "Thank you for your message. Invitations to the citizenship test are sent by e-mail, so please check "
             "your junk mail. Your application is in progress and the current processing time is posted on our "
             "website."),
            ("Demande de citoyenneté {app} – invitation à l'examen",
             "J'ai demandé la citoyenneté il y a {months} mois et je n'ai toujours pas été convoqué à l'examen. "
             "Y a-t-il un arriéré?",
             "Merci de votre message. Les invitations à l'examen pour la citoyenneté sont envoyées par courriel; "
             "vérifiez vos courriels indésirables. Votre demande est en cours de traitement et le délai actuel est "
             "publié sur notre site Web."),
        ),
        Case(
            ("citizenship-ceremony", "oath-of-citizenship"),
            ("Citizenship ceremony – rescheduling",
             "My citizenship ceremony is scheduled on {date} but I will be travelling. Can I reschedule it?",
             "You can ask to reschedule by replying to the invitation e-mail before the date. If you miss the "
             "ceremony without telling us, your file goes back to the queue and a new date may take several "
             "months."),
            ("Cérémonie de citoyenneté – report",
             "Ma cérémonie de citoyenneté est prévue le {date}, mais je serai en voyage. Est-ce que je peux la "
             "reporter?",
             "Vous pouvez demander un report en répondant au courriel d'invitation avant la date. Si vous manquez "
             "la cérémonie sans nous aviser, votre dossier retourne dans la file d'attente et l'obtention d'une "
             "nouvelle date peut prendre plusieurs mois."),
        ),
        Case(
            ("physical-presence", "citizenship-application"),
            ("Counting days of physical presence",
             "How do I count my days of physical presence? I was a temporary resident in {city} before I became "
             "a permanent resident.",
             "Each day you spent in Canada as a temporary resident or protected person in the last 5 years counts "
             "as a half day, up to 365 days. Use the physical presence calculator on our website before you "
             "apply."),
            ("Calcul des jours de présence effective",
             "Comment dois-je calculer mes jours de présence effective? J'étais résident temporaire à {city} avant "
             "de devenir résident permanent.",
             "Chaque jour passé au Canada comme résident temporaire ou personne protégée au cours des 5 dernières "
             "années compte pour une demi-journée, jusqu'à concurrence de 365 jours. Utilisez le calculateur de "
             "présence effective sur notre site Web avant de présenter votre demande."),
        ),
        Case(
            ("citizenship-certificate", "citizenship-by-descent"),
            ("Proof of citizenship for my son born abroad",
             "My son was born {in_country} and I am a Canadian citizen. How do I apply for his citizenship "
             "certificate?",
             "Thank you for writing. Children born outside Canada to a Canadian parent are often citizens by "
             "descent. Apply for a citizenship certificate (proof of citizenship) online and include his birth "
             "certificate showing both parents."),
            ("Preuve de citoyenneté pour mon fils né à l'étranger",
             "Mon fils est né {in_country} et je suis citoyenne canadienne. Comment demander son certificat de "
             "citoyenneté?",
             "Merci de votre message. Les enfants nés à l'étranger d'un parent canadien sont souvent citoyens "
             "par filiation. Demandez un certificat de citoyenneté (preuve de citoyenneté) en ligne et joignez "
             "son acte de naissance où figurent les deux parents."),
        ),
    )),
    Topic("passport", 10, (
        Case(
            ("urgent-passport", "passport"),
            ("Urgent passport – travelling on {date}",
             "I'm travelling on {date} for a family emergency and my passport has expired. Can I get a new one "
             "in time?",
             "Thank you for reaching out. If you are travelling within 48 hours, you can ask for urgent service at "
             "a Service Canada passport office; bring proof of travel and your documents. Fees for urgent service "
             "are higher."),
            ("Passeport urgent – départ le {date}",
             "Je pars en voyage le {date} pour une urgence familiale et mon passeport est expiré. Est-ce que je "
             "peux en obtenir un nouveau à temps?",
             "Merci de nous avoir écrit. Si vous partez dans les 48 heures, vous pouvez demander le service urgent "
             "dans un bureau des passeports de Service Canada; apportez une preuve de voyage et vos documents. "
             "Les frais du service urgent sont plus élevés."),
            priority="urgent", tracker="passport-backlog",
        ),
        Case(
            ("passport-renewal", "application-status", "processing-time"),
            ("Passport renewal – status of file {app}",
             "I mailed my passport renewal form {weeks} weeks ago. How can I check the status? My file number is "
             "{app}.",
             "You can check the status of your passport application online with your file number. Standard "
             "processing by mail takes 20 business days, not counting mailing time."),
            ("Renouvellement de passeport – suivi du dossier {app}",
             "J'ai posté mon formulaire de renouvellement de passeport il y a {weeks} semaines. Comment vérifier "
             "où en est ma demande? Mon numéro de dossier est {app}.",
             "Vous pouvez vérifier l'état de votre demande de passeport en ligne avec votre numéro de dossier. "
             "Le traitement standard par la poste est de 20 jours ouvrables, sans compter le délai de livraison "
             "du courrier."),
            tracker="passport-backlog",
        ),
        Case(
            ("child-passport", "guarantor"),
            ("Child passport – guarantor question",
             "Does the guarantor for my child's passport application need to know both parents? The application "
             "is for our daughter, who is 4.",
             "The guarantor must know the parent or legal guardian who signs the application, not necessarily "
             "both parents. The guarantor must also sign one of the child's photos."),
            ("Passeport pour enfant – question sur le répondant",
             "Est-ce que le répondant pour la demande de passeport de mon enfant doit connaître les deux parents? "
             "La demande est pour notre fille de 4 ans.",
             "Le répondant doit connaître le parent ou le tuteur légal qui signe la demande, pas nécessairement "
             "les deux parents. Il doit aussi signer l'une des photos de l'enfant."),
            priority="low",
        ),
        Case(
            ("lost-stolen-passport", "passport"),
            ("Stolen passport",
             "My passport was stolen in {city}. What do I need to do before applying for a new one?",
             "A lost or stolen passport must first be reported to us; your old passport is then cancelled. After "
             "that, you can apply for a new one with the declaration form and your supporting documents."),
            ("Passeport volé",
             "On m'a volé mon passeport à {city}. Qu'est-ce que je dois faire avant de demander un nouveau "
             "passeport?",
             "Un passeport perdu ou volé doit d'abord nous être déclaré; votre ancien passeport est alors annulé. "
             "Vous pourrez ensuite demander un nouveau passeport avec le formulaire de déclaration et vos pièces "
             "justificatives."),
            priority="high",
        ),
        Case(
            ("passport-photo", "passport-renewal"),
            ("Passport photo rejected",
             "My renewal was sent back because of the photo. The studio in {city} says it meets the rules. Who "
             "is right?",
             "Sorry about the trouble. Photos are often refused for shadows, glasses or a background that isn't "
             "plain. Ask the studio to check the passport photo specifications on our website and send us the "
             "new photos with your form."),
            ("Photo de passeport refusée",
             "Mon renouvellement m'a été retourné à cause de la photo. Le studio de {city} dit qu'elle respecte "
             "les normes. Qui a raison?",
             "Désolés de ce contretemps. Les photos sont souvent refusées à cause d'ombres, de lunettes ou d'un "
             "fond qui n'est pas uni. Demandez au studio de vérifier les normes sur les photos de passeport sur "
             "notre site Web et envoyez-nous les nouvelles photos avec votre formulaire."),
            priority="low",
        ),
    )),
)
