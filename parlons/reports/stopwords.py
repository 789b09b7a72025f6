"""English and French stop-words (folded: lower case, no accents) left out of the topics and keywords reports."""

from __future__ import annotations

import re

from parlons.search.text import fold

EN = set(
    """a about above after again against all also am an and any are aren as at be because been before being
below between both but by can cannot could couldn did didn do does doesn doing don down during each few for
from further get got had hadn has hasn have haven having he her here hers herself him himself his how hi hello
i if in into is isn it its itself just let me more most my myself no nor not now of off on once only or other
ought our ours ourselves out over own please same she should shouldn so some such than thank thanks that the
their theirs them themselves then there these they this those through to too under until up very was wasn we
were weren what when where which while who whom why will with won would wouldn you your yours yourself
yourselves one two still need want would like know""".split()  # noqa: SIM905
)

FR = set(
    """a afin ai aie aient aies ait alors as au aucun aucune aupres auquel aura aurai auraient aurais aurait
auras aurez auriez aurions aurons auront aussi autre autres aux avaient avais avait avant avec avez aviez
avions avoir avons ayant ayez ayons bonjour bonsoir c ca car ce ceci cela celle celles celui cependant ces cet
cette ceux chaque chez ci comme comment d dans de des deja depuis devrait dois doit donc dont du elle elles
en encore entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues eurent eus eusse
eut eux fait faire fais fut j je jusqu l la le les leur leurs lui m ma mais me meme memes merci mes moi mon
n ne ni nos notre nous on ont ou par parce pas peu peut peux plus pour pourquoi puis qu quand que quel quelle
quelles quels qui quoi s sa sans se sera serai seraient serait seras serez seront ses si sien soi soit sommes
son sont sous suis sur t ta te tes toi ton tous tout toute toutes tres tu un une vos votre vous y svp oui non
veux voudrais aimerais avoir fait""".split()  # noqa: SIM905
)

STOP = EN | FR
WORD = re.compile(r"[^\W\d_]{3,40}", re.UNICODE)


def terms_of(text: str, *, limit: int = 30) -> list[str]:
    """The distinct meaningful words of a text, folded, in order of first appearance (at most ``limit``)."""
    seen: dict[str, None] = {}
    for match in WORD.finditer(text or ""):
        word = fold(match.group())
        if word in STOP or word in seen:
            continue
        seen[word] = None
        if len(seen) >= limit:
            break
    return list(seen)
