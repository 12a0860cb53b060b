"""Every word list and pattern the answering and the guard rules read, in one place.

English only. Each entry says what it recognises; the tests named beside the
rules that use them (tests/test_guard.py, tests/test_text.py) are what explain
them. Nothing here decides anything: rag.text, rag.answering and rag.guard do.
"""

from __future__ import annotations

import re

# --- words -----------------------------------------------------------------------------------------

WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
# A compact English stop list; question words are stop words for matching.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves tell explain describe according article text say said says
    did does do anything something thing things much many one ones s t ’s 's""".split()
)
# Past forms of common irregular verbs, which a suffix stemmer cannot relate to their verb
# ("met" / "meeting", "said" / "says"); a paraphrase uses one where the source has the other.
IRREGULAR = dict(pair.split(":") for pair in """met:meet said:say took:take taken:take went:go gone:go made:make
    came:come saw:see seen:see gave:give given:give told:tell found:find thought:think held:hold
    brought:bring began:begin begun:begin kept:keep left:leave led:lead felt:feel became:become
    knew:know known:know built:build sent:send spent:spend paid:pay sold:sell stood:stand
    won:win lost:lose fell:fall fallen:fall rose:rise risen:rise grew:grow grown:grow drew:draw
    drawn:draw chose:choose chosen:choose spoke:speak spoken:speak wrote:write written:write
    bought:buy caught:catch fought:fight sought:seek taught:teach understood:understand
    struck:strike broke:break broken:break drove:drive driven:drive ran:run hit:hit shut:shut""".split())
# Words that open a sentence going on from the one before it ("This shift has ...").
REFERENCE_WORDS = frozenset("this these that those it its he she they their such".split())

# --- sentences and citation markers ---------------------------------------------------------------

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st vs etc e.g i.e u.s u.k u.n u.s.a no inc ltd co corp gen gov sen
    rep col lt sgt capt jan feb mar apr jun jul aug sep sept oct nov dec fig approx al ca cf""".split()
)
# End punctuation (plus closing quotes/brackets), white space, then what can start a sentence.
BOUNDARY_RE = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])")
# A paragraph: lines up to a blank line or a list item.
BLOCK_RE = re.compile(r"[^\n]+(?:\n(?!\s*\n|\s*(?:[-*•#]|\d+[.)])\s)[^\n]+)*")
CITATION_RE = re.compile(r"\s*\[(\d{1,3})\]")
MARKER_RUN_RE = re.compile(r"(?:\s*\[\d{1,3}\])+")  # "[1] [2]" opening a span
# A draft that declines to answer.
REFUSAL_RE = re.compile(r"^\W*(i don'?t know|i do not know|i cannot answer|the (documents|sources|context) "
                        r"(don'?t|do not|does not|doesn'?t) (say|contain|mention|provide))", re.IGNORECASE)

# --- names -----------------------------------------------------------------------------------------

# A run of capitalised words as written ("Ada Lovelace", "Indian Ocean"); a word is letters,
# apostrophes and hyphens (a figure in a name, "GPT-4", is read by the figure patterns).
# A word glued to a figure is no name ("E42", "XR500", "WPA3": codes, read whole by rag.values).
NAME_WORD = r"[A-Z](?:[^\W\d_]|['’-])*\b(?![’'-]?\d)"
NAME_RUN = rf"\b{NAME_WORD}(?:\s+{NAME_WORD})*"
NAME_RUN_RE = re.compile(NAME_RUN)
# A capitalised word that does not open a sentence: a name the sentence brings.
CAPITALISED_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z’']+")
# Acronyms, dotted ("U.S.") or capital ("HHS", "CEOs"), and names spelled out with their
# linking words ("Department of Health and Human Services"), whose initials make one.
ACRONYM_RE = re.compile(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,6}(?=s?\b)")
SPELLED_NAME_RE = re.compile(r"[A-Z][a-z]+(?:\s+(?:of|and|for|the|&)?\s*[A-Z][a-z]+)+")

# --- figures, counts and dates ---------------------------------------------------------------------

COUNT_WORDS = "two three four five six seven eight nine ten eleven twelve dozen dozens".split()
MAGNITUDES = "hundred thousand million billion trillion".split()
MAGNITUDE_WORDS = MAGNITUDES + [w + "s" for w in MAGNITUDES] + "percent half quarter twice double triple".split()
NUMBER_RE = re.compile(r"\b\d[\d,.]*\b")
DIGITS_RE = re.compile(r"\d[\d,.]*")  # a whole token that is a figure ("33", "20,000")
GLUED_RE = re.compile(r"(\d)([a-zA-Z])")  # "446million" -> "446 million"
# Count and magnitude words as a figure a text gives ("five", "millions").
COUNT_RE = re.compile(r"\b(" + "|".join(COUNT_WORDS + MAGNITUDES + [w + "s" for w in MAGNITUDES]) + r")\b", re.IGNORECASE)
# A figure ("$1.5 trillion", "40%") or a name, as written: what a sentence specifies.
SPECIFIC_RE = re.compile(r"\$?\d(?:[\d,.]*\d)?%?(?:\s(?:million|billion|trillion))?|" + NAME_RUN)
# Words that date a sentence: months, weekdays, days (the answerer reads months and weekdays with
# rag.values; "yesterday", "today" and "tomorrow" here, and all of them in the probes of eval/).
DATE_WORDS = frozenset("""january february april june july august september october november december
    jan feb apr jun jul aug sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    yesterday today tomorrow""".split())
AGO_RE = re.compile(r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|few) "
                    r"(years?|months?|weeks?|days?|decades?|centuries) ago\b")

# --- negation --------------------------------------------------------------------------------------

NEGATION_RE = re.compile(r"\b(no|not|never|none|nor|neither|without|cannot)\b|n't\b", re.IGNORECASE)
# "not only ... but also", "no doubt", "no less than", "none other than": a "not" that denies nothing.
NOT_A_NEGATION_RE = re.compile(r"\b(not only|not just|not merely|no doubt|no less|no fewer|none other)\b",
                               re.IGNORECASE)
QUOTED_RE = re.compile(r"[“\"][^”\"]{1,80}[”\"]|(?<!\w)['‘][^'’\n]{1,80}['’](?!\w)")

# --- questions -------------------------------------------------------------------------------------

# The kind of thing a question asks for, tried in this order on its lower-cased text: (kind,
# pattern, the kinds of value (rag.values) or of name an answer may give). "when" takes a date, a
# clock time or a duration; "who" a person or a body; "how much" money, a quantity or a figure.
ANSWER_TYPES = [
    ("email", r"\be-?mail\b", {"email"}),
    # a web address asked for ("what's the website", "a link to book"), not "how a CDN speeds up websites"
    ("url", r"\b(what|which)('s| is| are)? (the |its |their )?([\w'-]+ ){0,2}(website|web ?site|url|web address|link)\b"
            r"|\blink to\b|\bwhere (can|do|should) (i|you|we) download\b", {"url"}),
    ("phone", r"\b(phone|telephone|mobile|fax)\b|\bwhat number\b|\bnumber (do|should|can|to) (i |we |you )?(call|ring|dial)"
              r"|\b(call|ring|dial)\b.*\bnumber\b", {"phone"}),
    ("version", r"\b(which|what) ([\w-]+ ){0,2}(version|release)\b|\bversion (of|do|does|is|number)\b",
     {"version", "number", "code"}),  # "Node 20" is a version written as a label
    ("code", r"\b(which|what)('s| is| are)? (the )?(error |fault |product |part |reference |booking |access |door )?"
             r"(code|codes|sku|reference number|part number)\b|\b(error|fault|product) code\b", {"code"}),
    ("percentage", r"\b(percentage|percent|per cent)\b|%|\bwhat (share|proportion)\b", {"percentage", "number"}),
    ("time", r"\bwhat time\b|\b(at )?what hours?\b|\bopening (hours|times)\b|\bhow (early|late)\b"
             r"|\b(first|last|next) (bus|train|ferry|tram|departure|service|collection|ride)\b"
             r"|^when (does|do|is|are|will|can|should)\b.*\b(open|close|closing|opening|start|begin|end|finish|leave|"
             r"depart|arrive|run|shut|serve|check ?(in|out)|collect|install|unlock|lock)", {"time", "date"}),
    ("duration", r"\bhow long\b(?! ago)|\bfor how (long|many (minutes|hours|days|weeks|months|years))\b"
                 r"|\bhow many (minutes|hours|days|weeks|months|years)\b|\b(what|which) (is the )?(duration|notice period|"
                 r"warranty|term)\b", {"duration", "quantity", "date"}),
    # "when do I add the lemon juice?": a step of a procedure, not a date
    ("other", r"^when (do|should|can|must) (i|you|we)\b", set()),
    ("date", r"^(when)\b|\b(what|which) (year|date|day|days|month)\b|\bhow long ago\b|\bon what date\b"
             r"|\bin what year\b|\bdeadline\b", {"date", "time"}),
    ("money", r"\bhow much (does|do|is|are|will|would|did|was|were|can|should) .*\b(cost|charge|pay|paid|spend|owe|"
              r"claim|earn|raise|rent|deposit|fee|fine|price|worth)|\bhow much money\b"
              # the amount as the head of what is asked ("what's the monthly rent"), not "which scheme is the deposit"
              r"|\b(what|which)('s| is| are| was| were)? (the |a |an )?([\w'-]+ ){0,2}?"
              r"(cost|costs|price|prices|fee|fees|rent|deposit|charge|charges|salary|wage|budget|fine|refund|"
              r"allowance|fare|fares)\b|\bthe (cost|price|fee|rent|deposit|fare) of\b", {"money", "percentage"}),
    ("number", r"\bhow (many|much|long|old|often|large|big|heavy|far|tall|wide|high|deep|hot|cold|fast)\b"
               r"|\b(what|which) (percentage|number|amount|share|proportion|volume|value|size|total|figure|sum)\b"
               r"|\bthe (number|amount|volume|value|size|total|percentage) of\b"
               # a measure asked for as the head of what is asked ("what is the acceptance rate"),
               # within its first words (not "what code pulls the rate feed")
               r"|^(what|which)('s| (is|are|was|were))? (the )?([\w'\-]+ ){0,3}?(rate|temperature|speed|dosage|dose|"
               r"average|population|height|length|weight|distance|capacity|range|power|amounts?)\b",
     {"number", "quantity", "money", "percentage", "duration"}),
    ("person", r"^(who|whom|whose)\b|\b(which|what) (person|leader|official|minister|journalist|photographer|reporter|"
               r"spokesman|spokesperson|president|diplomat)\b|\bname of the\b|\bwho\b", {"person"}),
    ("place", r"^where\b|\b(which|what) (city|cities|country|countries|place|places|location|locations|venue|capital|"
              r"region|regions|sea|seas|ocean|building|province|town|port|base|address|room|floor|street)\b|\bwhere\b",
     {"place", "code"}),  # a place is a name, an address, or a room or bay by its code ("G.07", "bay 9")
]
# Kinds of value that stand out in a sentence (a clock time, a price, a code ...): a sentence a
# little less close to the question that holds one is still a likely answer.
DISTINCT_KINDS = frozenset({"time", "money", "percentage", "quantity", "duration", "phone", "email", "url", "version",
                            "code"})
# "how many hugs", "how many of the dengue cases": the counted noun (and the word after it).
HOW_MANY_RE = re.compile(r"\bhow many\s+(?:of\s+the\s+)?([a-z\-]+)(?:\s+([a-z\-]+))?")
QUESTION_WORDS = {"what", "who", "whom", "whose", "where", "when", "why", "how", "which", "is", "are",
                  "was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "has",
                  "have", "had", "tell", "explain", "describe", "and", "according", "in", "on", "list",
                  "name", "give", "summarize", "summarise", "please", "i", "so", "but", "then", "also"}
PLACE_PREPOSITIONS = {"in", "at", "to", "near", "from", "inside", "outside", "across"}
# Words before a duration that make it a window of time the question looks through ("over the
# past 30 years"), not a specific it is about.
TIME_WINDOW_WORDS = frozenset("past last next previous recent coming".split())
# Prepositions that place something, for a place said without a name ("park on level minus two").
LOCATIVE_PREPOSITIONS = frozenset("in at on near behind beside opposite inside outside under above below".split())

# --- what a name is ----------------------------------------------------------------------------

# Words written before a person's name, capitalised inside it ("Foreign Minister Sergey Lavrov",
# "Mr Goodwin") or not ("striker Paolo Guerrero", "her mum Grace"): evidence of a person.
TITLE_WORDS = frozenset("""mr mrs ms miss dr prof sir dame lord lady president minister ministers chancellor
    senator sen governor gov mayor judge gen colonel col captain capt lieutenant lt sergeant sgt commander
    admiral ambassador secretary coach manager striker midfielder defender goalkeeper player fighter boxer
    actor actress singer dancer writer author poet philosopher artist artists painter designer photographer
    director producer reporter journalist correspondent editor columnist spokesman spokeswoman spokesperson
    administrator chairman chairwoman ceo founder doctor nurse professor teacher engineer pastor priest bishop
    rabbi imam pope king queen prince princess officer detective sheriff lawyer attorney boss friend mother
    father son daughter wife husband brother sister mum mom dad""".split())
# Last words of the name of an organisation or a brand: no person's surname, and no place
# ("Saudi Airlines", "Purdue University", "the Tampa Bay Times").
BODY_HEADS = frozenset("""airline airlines airways bank banks university college school academy institute
    times post news journal herald tribune telegraph gazette chronicle magazine press media network channel
    radio television group company corporation corp inc ltd llc holdings partners committee council commission
    ministry department agency authority board bureau office service services association federation union
    league club party foundation trust fund society alliance organisation organization movement army navy
    force forces police court parliament congress senate assembly church hospital clinic centre center
    studios records auctions games cup championship olympics festival awards""".split())
# Last words of the name of a place: no person's surname ("Latin America", "King Khalid International Airport").
PLACE_HEADS = frozenset("""america africa asia europe city town village county state states province region
    district republic kingdom empire island islands bay sea ocean river lake mountain mountains valley street
    road avenue square park bridge airport station port harbour harbor mosque cathedral temple palace castle
    tower stadium arena lawn hall""".split())
# --- follow-up questions ---------------------------------------------------------------------------

# A personal pronoun and what replaces it with the name it stands for.
PERSONAL = {"he": "{}", "him": "{}", "his": "{}’s", "she": "{}", "her": "{}", "hers": "{}’s"}
PERSONAL_RE = re.compile(r"\b(" + "|".join(PERSONAL) + r")\b", re.IGNORECASE)
OTHER_REFERENCE_RE = re.compile(r"\b(it|its|they|them|their|this|that|these|those|there|then|the two|both)\b")
ELLIPSIS_RE = re.compile(r"^\s*(and|what about|how about|and what about|what of|why|how so|really)\b")
