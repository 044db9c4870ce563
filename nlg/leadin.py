"""Lead-ins: a short sentence the model writes in front of a verified template.

A 135M model cannot reword a fact-laden template without breaking it, but it can
acknowledge what the customer said ("Sorry for the wait, let me look into that.").
The reply sent is ``lead-in + " " + template``: every fact still comes from the
template, word for word, and the lead-in is held to rules that keep it a pure
acknowledgement. :func:`check_leadin` accepts a lead-in only when

* it is one sentence of 2-16 words ending in ``.`` or ``!`` (a question would
  need an answer the template does not give);
* it carries no fact at all: no digit, number word, money, date, id, link or
  email, and no speaker label or markup;
* it has no negation (a negation is a claim: "we can't ship that"), does not
  speak for the shop ("We do.", "Yes!", "our ..."), and has at least one
  acknowledging word ("sorry", "happy", "help", "sure", "question" ...);
* every content word is an acknowledgement word (:data:`ACKNOWLEDGEMENT_WORDS`)
  or a word of the customer's message or of the template, so the model can echo
  "your boots" but cannot add "refunded", "tomorrow" or "free";
* it fits the message: thanks are answered with "welcome" only when the customer
  thanked, apologies only follow a message that reports a problem or asks
  about something late, missing or broken (:data:`PROBLEM_WORDS`), and a yes/no
  question ("can I return worn shoes?") gets no "Of course!": the affirmation would
  be an answer the template may contradict ("... as long as they're unworn"). A
  request for help ("can you help me with my address?") may still get one. The
  generator asks for no lead-in at all after a yes/no question: kept from its
  "Of course!", the 135M model wrote "Of great concern, I'm here to assist.".

What it cannot catch: a lead-in built only from allowed words can still read
oddly ("Happy to check your boots."), and the problem-word list is a heuristic
in English only. It never lets a fact through, which is what matters.
"""

from __future__ import annotations

import re

from nlg.guard import Verdict, extract_facts

_WORD = re.compile(r"[a-z']+")
_NUMBERISH = re.compile(r"\d")
_MARKUP = re.compile(r"[<>|:*#\[\]{}]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ACKNOWLEDGEMENT_WORDS = _words(
    "sorry hear happy glad help helping thanks thank welcome understand understandable "
    "frustrating annoying inconvenience wait waiting delay patience trouble concern question "
    "great good sure course absolutely certainly definitely right look looking check checking "
    "pleasure asking ask reaching hello hey hi there let quick details happy sounds totally "
    "see know apologies apologise apologize worry worries gladly explain sort fix course "
    "moment away info information away things everything what's here's let's glad hope well "
    "day today real really much problem issue hassle understand appreciate "
    "answer answers i'd assist assisting assistance than reaching out touch through contact "
    "thanks thank glad excellent wonderful perfect absolutely okay alright noted hearing"
)
# Stopwords and pronouns: allowed anywhere, never checked.
_FUNCTION_WORDS = _words(
    "a an the and or but so of to in on at for from by with about as is are was were be been "
    "it it's its this that these those you you're your yours us i i'm i'll "
    "i've me my they them their that's there's here can could will would should may might do "
    "does did have has had just very all any some also up out into more that which who how "
    "when where what if then too am get got let's"
)
_NEGATIONS = _words(
    "no not never cannot can't don't doesn't won't isn't aren't wasn't weren't didn't "
    "haven't hasn't shouldn't wouldn't couldn't none nothing nobody nowhere without"
)
_NUMBER_WORDS = _words(
    "zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty "
    "fifty hundred thousand million dozen once twice half first second third"
)
_AFFIRMING = _words("sure course absolutely certainly definitely gladly")
_YES_NO_OPENERS = _words(
    "can could may might do does did is are was were will would should shall have has am "
    "isn't aren't don't doesn't can't won't"
)
_YOU = _words("you ya u")
_MODAL = _words("can could would will")
_REQUEST_VERBS = _words("help assist support tell show check look explain find give")
_THANKS = _words("thanks thank thx ty appreciate appreciated cheers grateful")
_WELCOME = _words("welcome pleasure")
_APOLOGY = _words("sorry apologies apologise apologize inconvenience")
PROBLEM_WORDS = _words(
    "late delay delayed still yet missing lost broken damaged wrong problem issue issues "
    "annoyed angry upset frustrated frustrating disappointed ages waiting waited never "
    "haven't hasn't didn't doesn't don't isn't won't can't cannot not fit ripped torn "
    "defective faulty complaint ugh terrible awful bad worst"
)


# The shop speaking for itself ("We do.", "Yes!") is a claim, not an acknowledgement.
_CLAIMS = _words("we we're we'll we've we'd our ours yes yeah yep")
# A lead-in must acknowledge: at least one of these.
_ACKNOWLEDGING = _words(
    "sorry hear happy glad help thanks thank welcome understand sure course absolutely "
    "certainly question check look hello hi hey pleasure apologies patience assist gladly "
    "understandable frustrating explain appreciate reaching"
)


def check_leadin(leadin: str, customer_text: str, template: str) -> Verdict:
    """May ``leadin`` go in front of ``template`` as the reply to ``customer_text``?"""
    text = leadin.strip()
    words = _WORD.findall(text.lower())
    reasons = _shape(text, words)
    if reasons:
        return Verdict.of(reasons, category="lead-in")
    reasons += _facts(text, words)
    claims = sorted(set(words) & _CLAIMS)
    if claims:
        reasons.append(f"lead-in speaks for the shop: {', '.join(claims)}")
    if not set(words) & _ACKNOWLEDGING:
        reasons.append("lead-in acknowledges nothing")
    allowed = ACKNOWLEDGEMENT_WORDS | set(_WORD.findall(f"{customer_text} {template}".lower()))
    extra = [w for w in words if w not in _FUNCTION_WORDS and w not in allowed]
    if extra:
        reasons.append(f"lead-in words not in the message or template: {', '.join(extra)}")
    reasons += _fit(set(words), _WORD.findall(customer_text.lower()))
    return Verdict.of(reasons, category="lead-in")


def allowed_words(customer_text: str, template: str) -> frozenset[str]:
    """The words a lead-in for this message may use: what :func:`check_leadin` accepts.

    Given to the decoder (``GenerationRequest.allowed_words``), it keeps a small
    model from spending its drafts on words the check would refuse: no numbers,
    negations or claims, "welcome" only after thanks, "sorry" only after a problem.
    """
    asked = _WORD.findall(customer_text.lower())
    customer = set(asked)
    said = customer | set(_WORD.findall(template.lower()))
    words = (ACKNOWLEDGEMENT_WORDS | _FUNCTION_WORDS | said) - _NEGATIONS - _CLAIMS - _NUMBER_WORDS
    if not customer & _THANKS:
        words -= _WELCOME
    if not customer & PROBLEM_WORDS:
        words -= _APOLOGY
    if asks_yes_or_no(asked):
        words -= _AFFIRMING
    return frozenset(w for w in words if not _NUMBERISH.search(w))


def _shape(text: str, words: list[str]) -> list[str]:
    if not 2 <= len(words) <= 16:
        return [f"lead-in has {len(words)} words, not 2-16"]
    if not text.endswith((".", "!")):
        return ["lead-in is not one sentence ending in '.' or '!'"]
    if re.search(r"[.!?]\s+\S", text) or "\n" in text:
        return ["lead-in has more than one sentence"]
    if _MARKUP.search(text):
        return ["lead-in has markup or a speaker label"]
    content = [w for w in words if w not in _FUNCTION_WORDS]
    if len(set(content)) < len(content):
        return ["lead-in repeats a word"]
    return []


def _facts(text: str, words: list[str]) -> list[str]:
    reasons = []
    if _NUMBERISH.search(text) or extract_facts(text) or set(words) & _NUMBER_WORDS:
        reasons.append("lead-in states a number or fact")
    negated = sorted(set(words) & _NEGATIONS)
    if negated:
        reasons.append(f"negation in lead-in: {', '.join(negated)}")
    return reasons


def is_yes_no_question(customer_text: str) -> bool:
    """:func:`asks_yes_or_no` of a message's text."""
    return asks_yes_or_no(_WORD.findall(customer_text.lower()))


def asks_yes_or_no(customer: list[str]) -> bool:
    """Whether the customer's words ask a yes/no question about the shop or an order
    (they open with an auxiliary verb: "can I ...", "do you ship ...") rather than ask the
    bot to do something ("can you help me ...", "could you tell me ...")."""
    if not customer or customer[0] not in _YES_NO_OPENERS:
        return False
    request = customer[0] in _MODAL and customer[1:2] and customer[1] in _YOU
    return not (request and set(customer[2:4]) & _REQUEST_VERBS)


def _fit(words: set[str], asked: list[str]) -> list[str]:
    reasons = []
    customer = set(asked)
    if words & _WELCOME and not customer & _THANKS:
        reasons.append("lead-in says 'welcome' but the customer did not thank")
    if words & _APOLOGY and not customer & PROBLEM_WORDS:
        reasons.append("lead-in apologises but the customer reported no problem")
    if words & _AFFIRMING and asks_yes_or_no(asked):
        reasons.append("lead-in affirms a yes/no question that the template answers")
    return reasons


def first_sentence(text: str) -> str:
    """The first line's first sentence of a draft, without surrounding quotes."""
    line = text.strip().split("\n", 1)[0].strip().strip("\"'")
    match = re.match(r"(.+?[.!?])(?:\s|$)", line)
    return (match.group(1) if match else line).strip()
