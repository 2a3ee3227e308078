"""Sentence and paragraph splitting: exact results on the seed articles and a table of tricky cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import assert_sentences_ordered

from index.text.sentences import split_paragraphs, split_sentences

CORPUS = Path(__file__).resolve().parent / "fixtures" / "seed_corpus"
HEADER = re.compile(r"^\s*date\s+\S+\s+")


def _article(prefix: str) -> str:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return HEADER.sub("", path.read_text(encoding="utf-8"))


def _sentences(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, start, end)]


def _paragraph_sentences(text: str, number: int) -> list[str]:
    start, end = split_paragraphs(text)[number]
    return _sentences(text, start, end)


def test_photo_caption_keeps_dateline_and_separates_credit() -> None:
    text = _article("000")
    assert _paragraph_sentences(text, 0) == [
        "CALI. 7 de agosto de 2021.",
        "América y Once Caldas se enfrentaron en el estadio Pascual Guerrero, en juego válido por la cuarta "
        "fecha de la Liga BetPlay II-2021.",
        "(Cortesía Dimayor)",
    ]


def test_two_sentence_paragraph_of_first_article() -> None:
    text = _article("000")
    assert _paragraph_sentences(text, 8) == [
        "In his time as Mexico coach, Juan Carlos Osorio led 52 matches of which he won 33 wins, nine draws "
        "and ten losses.",
        "In addition to qualifying the manito cast for the 2018 world cup, he achieved a historic triumph "
        "against Germany in the group stage.",
    ]


def test_parenthesis_inside_sentence_is_not_a_boundary() -> None:
    text = _article("001")
    assert _paragraph_sentences(text, 0) == [
        "Juan Carlos Osorio is one of the most successful coaches in the history of Colombian soccer.",
        "He won six titles with Atlético Nacional (three Leagues, two Colombian Cups and one Super League) "
        "and one League with Once Caldas, and also led the Greens to the final of the Copa Sudamericana "
        "in 2014.",
    ]


def test_quote_with_comma_inside_is_one_sentence() -> None:
    text = _article("001")
    assert _paragraph_sentences(text, 7) == [
        "“The priority right now is Zamalek, I work with all my energy for this team,” was Osorio’s "
        "response, according to Roca.",
        "But he analyzes the offer.",
    ]


def test_embedded_tweet_trailer_joins_the_post_text() -> None:
    # Alone, "Until today,… pic.twitter.com/… — Gustavo Roca (@…) July 11, 2023" was quoted first for
    # "who offered Osorio a job in 2023?": its name and year, not its words, matched.
    text = _article("001")
    assert _paragraph_sentences(text, 8) == [
        "🚨 CONFIRM THE OFFER: Colombian coach Juan Carlos #Osorio has confirmed that Fenafuth has offered "
        "him to direct the Selection of #Honduras.",
        "He analyzes it, but warn yourself: “The priority at this moment is Zamalek, I work with all my "
        "energy for this team.” Until today,… pic.twitter.com/13fKx7d15l — Gustavo Roca (@GustavoRocaGOL) "
        "July 11, 2023",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A bare link after cut-off post text, and an attribution alone: both are the post's tail.
        (
            "We won the cup in Bogotá tonight! Thank you all for the… pic.twitter.com/Ab12Cd",
            ["We won the cup in Bogotá tonight! Thank you all for the… pic.twitter.com/Ab12Cd"],
        ),
        # A sentence of its own that ends with a link stays one.
        (
            "We won the cup in Bogotá tonight! Thank you all for the support. pic.twitter.com/Ab12Cd",
            ["We won the cup in Bogotá tonight!", "Thank you all for the support. pic.twitter.com/Ab12Cd"],
        ),
        (
            "Osorio signs today. Huge news for the club. — Ana Pérez (@anaperez) March 3, 2024",
            ["Osorio signs today.", "Huge news for the club. — Ana Pérez (@anaperez) March 3, 2024"],
        ),
        # Nothing before it in the paragraph: it stays a sentence of its own.
        ("pic.twitter.com/Ab12Cd", ["pic.twitter.com/Ab12Cd"]),
        # An ordinary sentence that ends with a date is not a trailer.
        (
            "The coach left the club. The club said so on July 11, 2023",
            ["The coach left the club.", "The club said so on July 11, 2023"],
        ),
    ],
)
def test_embed_trailers(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_heading_paragraph_and_quote_ending_with_period_outside() -> None:
    text = _article("001")
    assert _paragraph_sentences(text, 4) == ["Another Concacaf Selection, interested in Juan Carlos Osorio"]
    assert len(_paragraph_sentences(text, 9)) == 2
    assert _paragraph_sentences(text, 9)[1].endswith("Executive Body of Fenafuth”.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith went to Washington. He stayed.", ["Mr. Smith went to Washington.", "He stayed."]),
        ("Dr. Ruiz and Prof. Gómez met Sra. Pérez.", ["Dr. Ruiz and Prof. Gómez met Sra. Pérez."]),
        (
            "J. K. Rowling wrote it. Juan C. Osorio read it.",
            ["J. K. Rowling wrote it.", "Juan C. Osorio read it."],
        ),
        ("He moved to the U.S. in 2010 at 5 p.m. sharp.", ["He moved to the U.S. in 2010 at 5 p.m. sharp."]),
        ("He moved to the U.S. The move was hard.", ["He moved to the U.S.", "The move was hard."]),
        ("Viajó a E.E.U.U. El viaje fue largo.", ["Viajó a E.E.U.U.", "El viaje fue largo."]),
        ("Llegó a EE.UU. para firmar.", ["Llegó a EE.UU. para firmar."]),
        ("Prices rose 2.5% at 10.30 today. Then fell.", ["Prices rose 2.5% at 10.30 today.", "Then fell."]),
        ("See www.example.com for details. Thanks.", ["See www.example.com for details.", "Thanks."]),
        (
            "Apples, pears, etc. were sold. Acme Inc. said so.",
            ["Apples, pears, etc. were sold.", "Acme Inc. said so."],
        ),
        ("It was sold on Jan. 5 to Acme Corp. for cash.", ["It was sold on Jan. 5 to Acme Corp. for cash."]),
        ("He wore the No. 10 shirt. No, he did not.", ["He wore the No. 10 shirt.", "No, he did not."]),
        ("Nadaron en el mar. Mar. 5 fue el día.", ["Nadaron en el mar.", "Mar. 5 fue el día."]),
        ("Vive en la Avda. Colón, núm. 12.", ["Vive en la Avda. Colón, núm. 12."]),
        ("He said: “We won.” Then he left.", ["He said: “We won.”", "Then he left."]),
        ("“We won,” he said. “Again.”", ["“We won,” he said.", "“Again.”"]),
        ("Until today,… pic.twitter.com/x1 was down.", ["Until today,… pic.twitter.com/x1 was down."]),
        (
            "Wait for it... What happened?! Nobody knows!",
            ["Wait for it...", "What happened?!", "Nobody knows!"],
        ),
        (
            "Ganamos la final. ¿Quién lo dudaba? ¡Nadie!",
            ["Ganamos la final.", "¿Quién lo dudaba?", "¡Nadie!"],
        ),
        ("—¿Vienes? —preguntó ella.", ["—¿Vienes? —preguntó ella."]),
        ("Great win today. #Osorio is happy.", ["Great win today.", "#Osorio is happy."]),
        ("Great win today. @GustavoRocaGOL said so.", ["Great win today.", "@GustavoRocaGOL said so."]),
        ("Breaking news today. 🚨 Osorio signs.", ["Breaking news today.", "🚨 Osorio signs."]),
        ("It ended in 2021. 7 de agosto fue la fecha.", ["It ended in 2021.", "7 de agosto fue la fecha."]),
        ("The score was 3-1. and the fans cheered.", ["The score was 3-1. and the fans cheered."]),
        ("It was good (very good.) The end came.", ["It was good (very good.)", "The end came."]),
        ("I met Martin Luther King Jr. He spoke to me.", ["I met Martin Luther King Jr.", "He spoke to me."]),
        ("I also met Malcolm X. He spoke too.", ["I also met Malcolm X.", "He spoke too."]),
        # Fragments under 12 characters ending in "." join the next sentence (datelines, "No.", "Wait...").
        ("No. He did not. Wait... It is over.", ["No. He did not.", "Wait... It is over."]),
        ("The last one is short. Ok.", ["The last one is short.", "Ok."]),
        ("MADRID. The team won the title again.", ["MADRID. The team won the title again."]),
        ("No punctuation at all", ["No punctuation at all"]),
        ("   Padded sentence.   Another one here.  ", ["Padded sentence.", "Another one here."]),
    ],
)
def test_tricky_cases(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A short line without final punctuation is a heading.
        (
            "Osorio to Honduras\nThe coach was offered the job.",
            ["Osorio to Honduras", "The coach was offered the job."],
        ),
        # Wrapped lines are joined: no boundary at the line break.
        (
            "The coach was offered the job by the federation on Tuesday\nafter a long meeting. He accepted.",
            [
                "The coach was offered the job by the federation on Tuesday\nafter a long meeting.",
                "He accepted.",
            ],
        ),
        ("A short line\ncontinued in lowercase.", ["A short line\ncontinued in lowercase."]),
        ("Ends with a colon:\n“Quote here.”", ["Ends with a colon:\n“Quote here.”"]),
        ("First paragraph\n\nSecond paragraph.", ["First paragraph", "Second paragraph."]),
        ("One.\r\n\r\nTwo is here.", ["One.", "Two is here."]),
    ],
)
def test_line_breaks(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_split_paragraphs_trims_and_drops_empty() -> None:
    text = "\n  First para.\nstill first  \n\n \n\t\nSecond.\n\n   \n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == ["First para.\nstill first", "Second."]
    assert split_paragraphs("") == []
    assert split_paragraphs(" \n\n \t ") == []


def test_range_offsets_point_into_whole_text() -> None:
    text = "Intro text. Mr. Smith spoke. He left. Outro."
    start = text.index("Mr.")
    end = text.index(" Outro")
    assert _sentences(text, start, end) == ["Mr. Smith spoke.", "He left."]
    assert split_sentences(text, start, end)[0][0] == start
    assert split_sentences("   ") == []


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_articles_lose_nothing(prefix: str) -> None:
    text = _article(prefix)
    sentences = split_sentences(text)
    assert_sentences_ordered(text, sentences)
    covered = {i for start, end in sentences for i in range(start, end)}
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
