"""Spanish: localised command names, every fixed text in the user's language, within Discord's limits."""

from __future__ import annotations

import datetime as dt
import signal
import string
from collections.abc import Iterator

import discord
import pytest
from fake_discord import FakeDiscord
from fake_discord.checks import buttons, every_message_pings_no_one, replying_to
from fake_discord.fakes import make_quote
from fake_discord.harness import running_bot
from fake_discord.payloads import snowflake, user

from bot import render
from bot.cogs.config import describe_config
from bot.i18n import COMMAND_ES, TEXTS, lang_of_locale, pick_lang, t
from bot.storage import GuildConfig
from index.models import Answer

pytestmark = pytest.mark.timeout(120)
SPANISH = ("es-ES", "es-419")
LONG_TEXT = " ".join(
    f"La oración número {i} habla de la liga y del entrenador con detalle." for i in range(400)
)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_exists_in_both_languages_with_the_same_fields() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == {"en", "es"}, key
        if key != "invalid_question":  # the Spanish one does not repeat the core's English reason
            assert fields(texts["en"]) == fields(texts["es"]), key


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_fixed_text_fits_discord(lang: str) -> None:
    for key, texts in TEXTS.items():
        # Every field filled with a long value (longer than any name, count or tag the bot fills in).
        values = dict.fromkeys(fields(texts["en"]) | fields(texts["es"]), "9" * 40)
        text = t(key, lang, **values)  # type: ignore[arg-type]
        assert len(text) <= render.MESSAGE_LIMIT, key
    for key in ("more", "back_to_top", "post_publicly", "solved"):
        assert len(t(key, lang)) <= 80  # a button label  # type: ignore[arg-type]
    many = GuildConfig(
        qa_channel_ids=frozenset(range(10**18, 10**18 + 500)), forum_channel_ids=frozenset(range(300))
    )
    assert len(describe_config(many, lang, message_content=False)) <= render.MESSAGE_LIMIT  # type: ignore[arg-type]


def test_command_names_are_valid_slash_names() -> None:
    names = [v for k, v in COMMAND_ES.items() if k.islower() and " " not in k and len(k) <= 32]
    for name in names:
        assert name == name.lower() and " " not in name and len(name) <= 32, name


@pytest.mark.parametrize("lang", ["en", "es"])
def test_spanish_answer_card_fits_and_is_translated(lang: str) -> None:
    quotes = [make_quote(text=LONG_TEXT, article_id=f"a{i}", title="T" * 400, best=3) for i in range(5)]
    quotes[1] = quotes[1].model_copy(update={"date": None, "url": None, "title": "Otra noticia"})
    answer = Answer(
        question="¿Quién ganó la liga?" * 40,
        answered=False,
        status="no_answer",
        message="The articles don't answer this.",
        quotes=quotes,
        index_built_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    )
    embed = render.render_answer(answer, per_page=3, lang=lang)  # type: ignore[arg-type]
    assert len(embed) <= render.EMBED_TOTAL_LIMIT and len(embed.description or "") <= render.DESCRIPTION_LIMIT
    assert all(len(f.value or "") <= render.FIELD_VALUE_LIMIT for f in embed.fields)
    assert len(embed.title or "") <= render.TITLE_LIMIT
    if lang == "es":
        assert (embed.description or "").startswith(
            "**Los artículos no responden a esto; el pasaje más cercano:**"
        )
        assert (embed.footer.text or "").startswith("Citas 1–3 de 5 · página 1/2 · índice del 2024-05-01")
        assert any("— sin fecha · " in (f.value or "") for f in embed.fields)  # the date next to the source
        assert "[news.example](https://news.example/a0#:~:text=" in (embed.description or "")
    empty = render.render_answer(answer.model_copy(update={"quotes": []}), lang=lang)  # type: ignore[arg-type]
    assert empty.description == t("no_answer", lang)  # type: ignore[arg-type]


def test_language_choice() -> None:
    assert lang_of_locale(discord.Locale.latin_american_spanish) == "es" and lang_of_locale("es-ES") == "es"
    assert lang_of_locale(discord.Locale.american_english) == "en" and lang_of_locale(None) == "en"
    assert pick_lang("auto", text="¿Quién ganó la liga en 2013?") == "es"
    assert pick_lang("auto", text="who won the league in 2013?") == "en"
    assert pick_lang("en", locale="es-ES") == "en" and pick_lang("es", text="who won?") == "es"


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeDiscord]:
    work = tmp_path_factory.mktemp("es")
    with running_bot(work, stop_signal=signal.SIGINT, RATE_LIMIT_QUESTIONS="2", MAX_QUOTES="1") as bot:
        yield bot.fake
    assert bot.returncode == 0, bot.log()
    every_message_pings_no_one(bot.fake)


def test_commands_are_localised_for_both_spanish_locales(fake: FakeDiscord) -> None:
    sync = {c["name"]: c for c in fake.wait_for("PUT", r"/commands$").body}
    for locale in SPANISH:
        assert sync["ask"]["name_localizations"][locale] == "preguntar"
        assert sync["ask"]["description_localizations"][locale].startswith("Pregunta a las noticias")
        assert sync["ask"]["options"][0]["name_localizations"][locale] == "pregunta"
        assert sync["Find sources"]["name_localizations"][locale] == "Buscar fuentes"
        assert sync["config"]["name_localizations"][locale] == "configurar"
        subcommands = {o["name"]: o for o in sync["config"]["options"]}
        assert subcommands["show"]["name_localizations"][locale] == "ver"
    assert "fr" not in sync["ask"].get("name_localizations", {})


def test_slash_answer_in_the_members_locale(fake: FakeDiscord) -> None:
    asker = user(snowflake(), "hablante")
    interaction = fake.slash(
        "ask", {"question": "Osorio coach league team fans final"}, user=asker, locale="es-419"
    )
    body = fake.wait_for("POST", rf"^/webhooks/{fake.world.app_id}/{interaction['token']}$").body
    footer = body["embeds"][0]["footer"]["text"]
    assert footer.startswith("Cita 1 de ") and "página 1/" in footer and "índice del" in footer
    assert {"Más citas", "👍", "👎"} <= set(buttons(body))


def test_message_answer_in_the_questions_language(fake: FakeDiscord) -> None:
    asker = user(snowflake(), "preguntona")
    msg = fake.post_message("¿Por qué cerraron el aeropuerto de Manizales?", mention_bot=True, author=asker)
    body = fake.wait_for("POST", r"/messages$", replying_to(msg)).body
    assert body["embeds"][0]["footer"]["text"].startswith("Cita 1 de ")
    english = fake.post_message("Why was the airport in Manizales closed?", mention_bot=True, author=asker)
    body = fake.wait_for("POST", r"/messages$", replying_to(english)).body
    assert body["embeds"][0]["footer"]["text"].startswith("Quote 1 of ")


def test_rate_limit_reply_in_spanish_and_private(fake: FakeDiscord) -> None:
    asker = user(snowflake(), "rápida")
    for _ in range(2):
        done = fake.slash("ask", {"question": "¿Quién ganó la liga?"}, user=asker, locale="es-ES")
        assert fake.wait_for("POST", rf"^/interactions/{done['id']}/").body["type"] == 5
    refused = fake.slash("ask", {"question": "¿Quién ganó la liga?"}, user=asker, locale="es-ES")
    body = fake.wait_for("POST", rf"^/interactions/{refused['id']}/").body
    assert body["type"] == 4 and body["data"]["flags"] & 64
    assert body["data"]["content"].startswith("Estás preguntando muy rápido; espera ")
