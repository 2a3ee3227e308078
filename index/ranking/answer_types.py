"""What a question asks for (a number, an amount of money, an age, a date, a name, a year) and whether a
sentence gives it: answer-type evidence for the answerability model (index.ranking.answerability)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from index.retrieval.intent import DateIntent, QueryIntent
from index.store.facts import keys_of
from index.store.generations import Snapshot
from index.text.lexicon import YEAR

MAX_YEAR_SPAN = 20

_MONEY_QUESTION = re.compile(
    r"\b(money|cost|costs|earn|earns|earned|paid|pay|pays|salary|price|worth|spend|spent|budget|fee|"
    r"dinero|cuesta|cuest[oó]|cobra|gana|ganar[aá]?|salario|sueldo|precio|pag[oó]|pagar[aá]?|presupuesto)\b",
    re.I,
)
_AMOUNT = re.compile(
    r"[$€£¥]|\b(dollars?|euros?|pounds?|pesos?|yen|yuan|usd|eur|gbp|cents?|million|billion|trillion|"
    r"millones|millón|millon|billones|d[oó]lares|libras)\b",
    re.I,
)
_HOW_MUCH = re.compile(r"\b(how much|cu[aá]nto|cu[aá]nta)\b", re.I)
# "What is Osorio's salary?", "¿Cuál es el sueldo de Osorio?": the noun asks for an amount, no "how much".
# Only as what the question is ("What was the purchase price of...", "¿Cuál fue el coste...?"), not as a
# topic ("Which organization received her salary?", "What effect will solar energy have on the price...?").
_MONEY_NOUN = re.compile(
    r"^\W*(what(?:'s| is| was| are| were)|(?:cu[aá]l|qu[eé]) (?:es|era|fue|será|son|eran|fueron))\b"
    r"[^?]{0,40}?\b(salary|salaries|wage|wages|fee|fees|price|cost|budget|income|salario|sueldo|precio|"
    r"costo|coste|presupuesto|honorarios|ingresos)\b",
    re.I,
)
# A figure in digits or words ("seven", "cincuenta"); not "one"/"uno"/"una", which are mostly articles.
_FIGURE = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|"
    r"catorce|quince|dieci\w+|veinte|veinti\w+|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|"
    r"cien|ciento)\b",
    re.I,
)
_AGE_QUESTION = re.compile(
    r"\bhow old\b|\bqu[eé] edad\b|\bcu[aá]ntos años (tiene|tenía|tendrá|cumple|cumplió|cumplirá)\b", re.I
)


def asks_for_amount(question: str) -> bool:
    """Whether a question asks for an amount of money ("How much does he earn?", "What is his salary?")."""
    return bool(_HOW_MUCH.search(question) and _MONEY_QUESTION.search(question)) or bool(
        _MONEY_NOUN.search(question)
    )


def lacks_amount(question: str, sentence: str) -> bool:
    """A money question the sentence states no amount for, or an age question ("How old is Osorio?",
    "¿Cuántos años tiene?") it gives no figure for (an age, or the year of a birth)."""
    if asks_for_amount(question):
        return not states_amount(sentence)
    return bool(_AGE_QUESTION.search(question)) and not _FIGURE.search(sentence)


def states_amount(text: str) -> bool:
    """Whether a sentence states an amount of money (a currency sign or word next to its figures)."""
    return bool(_AMOUNT.search(text)) and bool(re.search(r"\d", text))


def year_evidence(dates: DateIntent, sentence: str, published: dt.date | None) -> tuple[bool, bool]:
    """(conflict, missing) for a question naming years: the sentence names only other years; or neither
    the sentence nor its article's date is of a named year. Both False when the question names none."""
    if not dates.ranged:
        return False, False
    named = [int(y) for y in YEAR.findall(sentence)]
    in_range = any(dates.holds(y) for y in named)
    conflict = bool(named) and not in_range
    dated = published is not None and dates.holds(published.year)
    return conflict, not in_range and not dated


def year_absent(snap: Snapshot, article_row: int, dates: DateIntent) -> bool:
    """Whether the question names a year (or a short span of them) that no sentence of the article names.

    "Who won the 2022 World Cup?" over a story published in 2022 that only names 2018: the date alone would
    let it pass. Open ranges ("since 2019") and long spans are not checked.
    """
    low, high = dates.first_year, dates.last_year
    if low is None or high is None or high - low > MAX_YEAR_SPAN:
        return False
    starts = snap.data.article_starts
    rows = np.arange(int(starts[article_row]), int(starts[article_row + 1]))
    named = snap.facts.batch(rows).sets["years"]
    return not bool(named.presence(keys_of(str(y) for y in range(low, high + 1))).any())


@dataclass(frozen=True)
class TypeEvidence:
    """What the question asks for and what the best sentence lacks of it."""

    asks: frozenset[str]
    lacks_number: bool
    lacks_amount: bool
    lacks_date: bool
    lacks_name: bool


def type_evidence(intent: QueryIntent, sentence: str, cues: dict[str, bool]) -> TypeEvidence:
    """Answer-type agreement of one sentence; `cues` are its cue_number/cue_date/cue_name features."""
    asks = intent.asks
    return TypeEvidence(
        asks=asks,
        lacks_number="number" in asks and not cues["cue_number"],
        lacks_amount=lacks_amount(intent.text, sentence),
        lacks_date="date" in asks and not cues["cue_date"],
        lacks_name="name" in asks and not cues["cue_name"],
    )
