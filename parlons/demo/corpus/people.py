"""People and places of the demo data set: first and last names, cities, countries, processing offices,
month names, area codes and made-up domains."""

from __future__ import annotations

# Hand-laid tables of data: one-item-per-line formatting would make them two to four times longer.
# fmt: off

FIRST_NAMES = {
    "fr": ("Marie", "Jean", "Sophie", "Mathieu", "Camille", "Gabriel", "Léa", "Olivier", "Chloé", "Félix",
           "Amélie", "Étienne", "Émile", "Julie", "Maxime", "Mélissa", "Sébastien", "Valérie", "Pierre-Luc",
           "Marie-Ève", "Josée", "Benoît", "Hélène", "Stéphanie", "François", "Rosalie", "Noémie", "Jérôme",
           "Françoise", "Aïcha", "Mamadou", "Fatou", "Youssef", "Khadija", "Karim", "Nadia", "Ibrahima",
           "Jean-Baptiste", "Wilner", "Nathalie", "Éloïse", "Loïc", "Gaëlle", "Thérèse", "Rémi", "Cédric",
           "Joël", "Zoé", "Anaïs", "Ophélie"),
    "en": ("James", "Emma", "Olivia", "Liam", "Noah", "Ava", "Sophia", "Ethan", "Mia", "Lucas", "Amelia",
           "Benjamin", "Charlotte", "Jack", "Harper", "Owen", "Chloe", "Ryan", "Hannah", "Aiden", "Grace",
           "Jasmine", "Arjun", "Priya", "Wei", "Mei", "Raj", "Simran", "Gurpreet", "Mohammed", "Fatima", "Omar",
           "Aisha", "Carlos", "Maria", "José", "Ana", "Kwame", "Amara", "Tunde", "Chinedu", "Nkechi", "Sean",
           "Siobhan", "Connor", "Dmytro", "Olena", "Jun", "Minh", "Renée"),
}
LAST_NAMES = {
    "fr": ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
           "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette", "Girard", "Simard",
           "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier", "Lapointe", "Leclerc",
           "Lefebvre", "Poulin", "Thibault", "St-Pierre", "Desjardins", "Nadeau", "Mercier", "Diallo", "Traoré",
           "Benali", "Haddad", "Joseph", "Pierre", "Jean-Louis", "Ndiaye", "Mbarga", "Nguyen", "Bérubé",
           "Daigle", "Thériault", "Landry", "Arsenault"),
    "en": ("Smith", "Brown", "Martin", "Wilson", "Johnson", "MacDonald", "Taylor", "Campbell", "Anderson", "Jones",
           "Williams", "Thompson", "White", "Clark", "Lee", "Wong", "Chen", "Li", "Singh", "Patel", "Sharma",
           "Kaur", "Gill", "Khan", "Ali", "Ahmed", "Hussein", "Garcia", "Rodriguez", "Santos", "Okafor",
           "Adeyemi", "Mensah", "O'Connor", "Murphy", "Kelly", "Kowalski", "Novak", "Kovalenko", "Tran", "Kim",
           "Park", "Cohen", "Fraser", "Ross", "McLeod", "Baptiste", "Nguyen", "Sanchez", "Hall"),
}
# (English, French) city names.
CITIES: tuple[tuple[str, str], ...] = (
    ("Montréal", "Montréal"), ("Québec City", "Québec"), ("Toronto", "Toronto"), ("Ottawa", "Ottawa"),
    ("Gatineau", "Gatineau"), ("Vancouver", "Vancouver"), ("Calgary", "Calgary"), ("Edmonton", "Edmonton"),
    ("Winnipeg", "Winnipeg"), ("Halifax", "Halifax"), ("Moncton", "Moncton"), ("Sherbrooke", "Sherbrooke"),
    ("Trois-Rivières", "Trois-Rivières"), ("Saguenay", "Saguenay"), ("St. John's", "St. John's"),
    ("Regina", "Regina"), ("Saskatoon", "Saskatoon"), ("Charlottetown", "Charlottetown"),
    ("Fredericton", "Fredericton"), ("Sudbury", "Sudbury"), ("Rimouski", "Rimouski"), ("Lévis", "Lévis"),
    ("Longueuil", "Longueuil"), ("Victoria", "Victoria"), ("Whitehorse", "Whitehorse"),
    ("Yellowknife", "Yellowknife"), ("Iqaluit", "Iqaluit"), ("Laval", "Laval"), ("Hamilton", "Hamilton"),
    ("Kelowna", "Kelowna"),
)
# (English "in X", English "from X", French "en/au/aux X", French "de/du/des X")
COUNTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("in Morocco", "from Morocco", "au Maroc", "du Maroc"),
    ("in India", "from India", "en Inde", "de l'Inde"),
    ("in the Philippines", "from the Philippines", "aux Philippines", "des Philippines"),
    ("in France", "from France", "en France", "de France"),
    ("in Haiti", "from Haiti", "en Haïti", "d'Haïti"),
    ("in Cameroon", "from Cameroon", "au Cameroun", "du Cameroun"),
    ("in Brazil", "from Brazil", "au Brésil", "du Brésil"),
    ("in Algeria", "from Algeria", "en Algérie", "d'Algérie"),
    ("in Mexico", "from Mexico", "au Mexique", "du Mexique"),
    ("in Senegal", "from Senegal", "au Sénégal", "du Sénégal"),
    ("in Vietnam", "from Vietnam", "au Vietnam", "du Vietnam"),
    ("in Colombia", "from Colombia", "en Colombie", "de Colombie"),
    ("in Nigeria", "from Nigeria", "au Nigeria", "du Nigeria"),
    ("in Ukraine", "from Ukraine", "en Ukraine", "d'Ukraine"),
    ("in Lebanon", "from Lebanon", "au Liban", "du Liban"),
    ("in Tunisia", "from Tunisia", "en Tunisie", "de Tunisie"),
    ("in China", "from China", "en Chine", "de Chine"),
    ("in Côte d'Ivoire", "from Côte d'Ivoire", "en Côte d'Ivoire", "de Côte d'Ivoire"),
    ("in Belgium", "from Belgium", "en Belgique", "de Belgique"),
    ("in the United States", "from the United States", "aux États-Unis", "des États-Unis"),
)
# (English, French) processing offices.
OFFICES: tuple[tuple[str, str], ...] = (
    ("Sydney", "Sydney"), ("Edmonton", "Edmonton"), ("Mississauga", "Mississauga"), ("Ottawa", "Ottawa"),
    ("Montréal", "Montréal"), ("Vancouver", "Vancouver"), ("Manila", "Manille"), ("Dakar", "Dakar"),
    ("Paris", "Paris"), ("New Delhi", "New Delhi"),
)
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}
# Canadian area codes for made-up WhatsApp numbers (always in the 555 exchange).
AREA_CODES = (
    "514", "438", "450", "418", "581", "819", "873", "613", "343", "416", "647", "437", "905", "289", "604",
    "778", "236", "403", "587", "780", "204", "431", "306", "639", "902", "782", "506", "709", "867", "705",
    "249", "519", "226", "548",
)
SCAM_WORDS = ("visa-fast", "canada-immigration-help", "easy-permit", "crypto-gains", "promo-followers",
              "pr-guaranteed")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
