"""English and Spanish: the bot's fixed texts, the language to answer in, and the command-name translator."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import discord
from discord import app_commands

from index.text.language import detect_language

Lang = Literal["en", "es"]
SPANISH_LOCALES = frozenset({discord.Locale.spain_spanish, discord.Locale.latin_american_spanish})

# Month names for dates written out in a sentence ("12 July 2023", "12 de julio de 2023").
MONTHS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}

# Every fixed text the bot writes, by key: str.format templates; both languages take the same fields.
TEXTS: dict[str, dict[Lang, str]] = {
    "apology": {
        "en": "Sorry — something went wrong while answering that. Please try again in a moment.",
        "es": "Lo siento, algo falló al responder. Vuelve a intentarlo en un momento.",
    },
    "command_apology": {
        "en": "Sorry — something went wrong with that command. Please try again in a moment.",
        "es": "Lo siento, algo falló con ese comando. Vuelve a intentarlo en un momento.",
    },
    "busy": {
        "en": "I'm answering a lot of questions right now — please ask again in a moment.",
        "es": "Estoy respondiendo muchas preguntas ahora mismo; vuelve a preguntar en un momento.",
    },
    "help": {
        "en": "Ask me a question about the news articles, e.g. `@{name} what did Osorio win with Nacional?`",
        "es": "Hazme una pregunta sobre las noticias, p. ej. `@{name} ¿qué ganó Osorio con Nacional?`",
    },
    "too_long": {
        "en": "That question is too long ({length} characters); please keep it under {limit}.",
        "es": "Esa pregunta es demasiado larga ({length} caracteres); que no pase de {limit}.",
    },
    "slow_down_user": {
        "en": "You're asking questions quickly — please wait {seconds} s and ask again.",
        "es": "Estás preguntando muy rápido; espera {seconds} s y vuelve a preguntar.",
    },
    "slow_down_guild": {
        "en": "This server is asking a lot of questions right now — please wait {seconds} s and ask again.",
        "es": (
            "Este servidor está haciendo muchas preguntas ahora "
            "mismo; espera {seconds} s y vuelve a preguntar."
        ),
    },
    "cannot_answer": {
        "en": "I can't answer right now: the news index is unavailable. Please try again later.",
        "es": "Ahora no puedo responder: el índice de noticias no está disponible. Inténtalo más tarde.",
    },
    "no_answer": {"en": "The articles don't answer this.", "es": "Los artículos no responden a esto."},
    "no_answer_label": {
        "en": "The articles don't answer this; closest passage:",
        "es": "Los artículos no responden a esto; el pasaje más cercano:",
    },
    "invalid_question": {
        "en": "That doesn't look like a question I can look up: {problem}",
        "es": "Eso no parece una pregunta que pueda buscar. Escribe una pregunta con algunas palabras.",
    },
    "empty_index": {
        "en": "There are no articles indexed yet: an admin can add some and run /reindex.",
        "es": "Todavía no hay artículos indexados: un administrador puede añadirlos y ejecutar /reindex.",
    },
    "no_text": {
        "en": "That message has no text to look up.",
        "es": "Ese mensaje no tiene texto que buscar.",
    },
    "undated": {"en": "undated", "es": "sin fecha"},
    "in_language": {"en": "in {language}", "es": "en {language}"},
    "language_en": {"en": "English", "es": "inglés"},
    "language_es": {"en": "Spanish", "es": "español"},
    "source": {"en": "source", "es": "fuente"},
    "also_in": {"en": "Also in: ", "es": "También en: "},
    "quote_one": {"en": "Quote {first} of {total}", "es": "Cita {first} de {total}"},
    "quote_many": {"en": "Quotes {first}–{last} of {total}", "es": "Citas {first}–{last} de {total}"},
    "page": {"en": "page {page}/{pages}", "es": "página {page}/{pages}"},
    "index_of": {"en": "index of {when}", "es": "índice del {when}"},
    "more": {"en": "More quotes", "es": "Más citas"},
    "back_to_top": {"en": "Back to the top", "es": "Volver al principio"},
    "post_publicly": {"en": "Post publicly", "es": "Publicar para todos"},
    "posted": {"en": "Posted in the channel.", "es": "Publicado en el canal."},
    "solved": {"en": "Solved", "es": "Resuelto"},
    "marked_solved": {
        "en": "Marked as solved with the “{tag}” tag.",
        "es": "Marcado como resuelto con la etiqueta «{tag}».",
    },
    "no_solved_tag": {
        "en": "This forum has no “Solved” tag: a moderator can add one in the forum's settings.",
        "es": (
            "Este foro no tiene la etiqueta «Resuelto»: un moderador puede crearla en los ajustes del foro."
        ),
    },
    "cannot_tag": {
        "en": "I couldn't tag this post: the bot needs the Manage Threads permission in this forum.",
        "es": "No pude etiquetar esta publicación: el bot necesita el permiso Gestionar hilos en este foro.",
    },
    "not_poster": {
        "en": "Only the person who started this post, or a member with Manage Threads, can mark it solved.",
        "es": (
            "Solo quien abrió esta publicación, o alguien con Gestionar hilos, puede marcarla como resuelta."
        ),
    },
    "not_yours": {
        "en": "Only the person who asked can page through these quotes; ask your own question to get yours.",
        "es": "Solo quien preguntó puede pasar estas citas; haz tu propia pregunta para ver las tuyas.",
    },
    "thanks": {"en": "Thanks — your feedback was recorded.", "es": "Gracias, tu opinión quedó registrada."},
    "already_voted": {"en": "You already voted on this answer.", "es": "Ya votaste esta respuesta."},
    "button_failed": {"en": "Sorry, that didn't work.", "es": "Lo siento, eso no funcionó."},
    "config_saved": {"en": "Saved. Settings for this server:", "es": "Guardado. Ajustes de este servidor:"},
    "config_current": {"en": "Settings for this server:", "es": "Ajustes de este servidor:"},
    "config_show": {
        "en": (
            "• Q&A channels: {qa}\n• Forum channels: {forums}\n• Answer Q&A questions in threads: {threads}\n"
            "• Quotes per answer: {quotes}\n• Answers by default: {visibility}\n• Language: {language}"
        ),
        "es": (
            "• Canales de preguntas: {qa}\n• Foros: {forums}\n• Responder en hilos: {threads}\n"
            "• Citas por respuesta: {quotes}\n• Respuestas por defecto: {visibility}\n• Idioma: {language}"
        ),
    },
    "config_intent_off": {
        "en": "\n(Q&A channels are not answered: the bot runs without the Message Content intent.)",
        "es": "\n(Los canales de preguntas no se responden: el bot funciona sin el intent Message Content.)",
    },
    "none": {"en": "none", "es": "ninguno"},
    "yes": {"en": "yes", "es": "sí"},
    "no": {"en": "no", "es": "no"},
    "public": {"en": "public", "es": "públicas"},
    "private": {"en": "private (only the asker sees them)", "es": "privadas (solo las ve quien pregunta)"},
    "lang_auto": {"en": "each member's language", "es": "el idioma de cada miembro"},
    "lang_en": {"en": "English", "es": "inglés"},
    "lang_es": {"en": "Spanish", "es": "español"},
    "reindex_denied": {
        "en": "Only members with **Manage Server** or an admin role can rebuild the index.",
        "es": (
            "Solo los miembros con **Gestionar servidor** o "
            "un rol de administración pueden reconstruir el índice."
        ),
    },
    "reindex_running": {
        "en": "A rebuild is already running; I'll keep answering from the current index meanwhile.",
        "es": "Ya hay una reconstrucción en marcha; mientras tanto sigo respondiendo con el índice actual.",
    },
    "no_index": {
        "en": "No index is loaded yet: an admin can run /reindex, or `python -m index build`.",
        "es": (
            "Todavía no hay un índice cargado: un administrador "
            "puede ejecutar /reindex o `python -m index build`."
        ),
    },
    "about_description": {
        "en": "I answer questions by quoting news articles verbatim, with title, date and source.",
        "es": "Respondo preguntas citando noticias textualmente, con título, fecha y fuente.",
    },
    "about_articles": {"en": "Articles", "es": "Artículos"},
    "about_chunks": {"en": "Chunks", "es": "Fragmentos"},
    "about_model": {"en": "Model", "es": "Modelo"},
    "about_built": {"en": "Index built", "es": "Índice creado"},
    "about_format": {"en": "Index format", "es": "Formato del índice"},
    "about_ranking": {"en": "Quote ranking", "es": "Orden de las citas"},
    "about_deciding": {"en": "Answers when", "es": "Responde cuando"},
    "about_version": {"en": "Bot version", "es": "Versión del bot"},
    "about_feedback": {"en": "Feedback in this server", "es": "Opiniones en este servidor"},
    "stale_note": {
        "en": "The newest article on this is from {date}.",
        "es": "El artículo más reciente sobre esto es del {date}.",
    },
    "compare": {"en": "Compare sources", "es": "Comparar fuentes"},
    "compare_description": {
        "en": "One quote per source, oldest first.",
        "es": "Una cita por fuente, de la más antigua a la más reciente.",
    },
    "read": {"en": "read", "es": "leer"},
    "reindex_failed": {
        "en": "The rebuild failed; the details are in the bot's log. "
        "I keep answering from the current index.",
        "es": "La reconstrucción falló; los detalles están en el registro del bot. Sigo respondiendo con el "
        "índice actual.",
    },
    "reindex_memory": {
        "en": "The rebuild stopped at its memory cap (REINDEX_MEMORY_MB); "
        "I keep answering from the current index.",
        "es": "La reconstrucción se detuvo en su límite de memoria (REINDEX_MEMORY_MB); "
        "sigo respondiendo con el índice actual.",
    },
    "reindex_timeout": {
        "en": "The rebuild took longer than REINDEX_TIMEOUT_SECONDS and was stopped; "
        "I keep answering from the current index.",
        "es": "La reconstrucción tardó más de REINDEX_TIMEOUT_SECONDS y se detuvo; sigo respondiendo con el "
        "índice actual.",
    },
}


def t(key: str, lang: Lang, /, **values: object) -> str:
    """The fixed text `key` in `lang`, with `values` filled in."""
    return TEXTS[key][lang].format(**values)


def language_name(code: str, lang: Lang) -> str:
    """ "English", "inglés", ...: the name of an article's language in `lang` (the code when unnamed)."""
    key = f"language_{code}"
    return t(key, lang) if key in TEXTS else code


def long_date(day: dt.date, lang: Lang) -> str:
    """A date written out in a sentence: "12 July 2023", "12 de julio de 2023"."""
    month = MONTHS[lang][day.month - 1]
    return f"{day.day} {month} {day.year}" if lang == "en" else f"{day.day} de {month} de {day.year}"


def lang_of_locale(locale: discord.Locale | str | None) -> Lang:
    """Spanish for any Spanish Discord locale (es-ES, es-419), else English."""
    return "es" if locale is not None and str(locale).lower().startswith("es") else "en"


def lang_of_text(text: str) -> Lang:
    """The language of a question's text, by the core's detector; English when unsure."""
    return "es" if detect_language(text) == "es" else "en"


def pick_lang(setting: str, *, locale: discord.Locale | str | None = None, text: str | None = None) -> Lang:
    """A server's fixed language, else the member's locale (interactions) or the question's language."""
    if setting in ("en", "es"):
        return setting  # type: ignore[return-value]
    if locale is not None:
        return lang_of_locale(locale)
    return lang_of_text(text or "")


# Command names, descriptions, parameter and choice names, in Spanish (the same for es-ES and es-419).
# Names are lowercase without spaces, as Discord requires of slash command names.
COMMAND_ES: dict[str, str] = {
    "ask": "preguntar",
    "Ask the news articles a question; get quoted passages.": (
        "Pregunta a las noticias; recibe los pasajes que lo responden, citados."
    ),
    "question": "pregunta",
    "Your question, e.g. what did Osorio win with Nacional?": (
        "Tu pregunta, p. ej. ¿qué ganó Osorio con Nacional?"
    ),
    "about": "acerca-de",
    "What this bot knows: articles, chunks, model, index date.": (
        "Lo que sabe este bot: artículos, fragmentos, modelo, fecha del índice."
    ),
    "reindex": "reindexar",
    "Rebuild the index from the corpus (admins only).": (
        "Reconstruye el índice desde el corpus (solo administradores)."
    ),
    "Find sources": "Buscar fuentes",
    "config": "configurar",
    "Server settings for the news bot (Manage Server).": (
        "Ajustes del bot de noticias en este servidor (Gestionar servidor)."
    ),
    "show": "ver",
    "Show this server's settings.": "Muestra los ajustes de este servidor.",
    "qa-channel": "canal-preguntas",
    "Answer every message in a channel (needs the Message Content intent).": (
        "Responde cada mensaje de un canal (requiere el intent Message Content)."
    ),
    "channel": "canal",
    "enabled": "activado",
    "On or off.": "Activado o desactivado.",
    "The channel.": "El canal.",
    "forum": "foro",
    "Answer every new post in a forum channel.": "Responde cada publicación nueva de un foro.",
    "threads": "hilos",
    "Answer Q&A-channel questions in a thread.": "Responde las preguntas de los canales en un hilo.",
    "quotes": "citas",
    "Quotes per answer.": "Citas por respuesta.",
    "count": "cantidad",
    "How many (1-10).": "Cuántas (1-10).",
    "visibility": "visibilidad",
    "Whether answers to /ask are public or private by default.": (
        "Si las respuestas a /ask son públicas o privadas por defecto."
    ),
    "value": "valor",
    "public or private": "públicas o privadas",
    "public": "públicas",
    "private": "privadas",
    "language": "idioma",
    "The language of the bot's messages here.": "El idioma de los mensajes del bot aquí.",
    "each member's language": "el idioma de cada miembro",
    "English": "inglés",
    "Spanish": "español",
}


class Translator(app_commands.Translator):
    """Spanish command names and descriptions for es-ES and es-419; other locales keep the English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """The Spanish for `string`, or None (Discord then shows the English)."""
        if locale not in SPANISH_LOCALES:
            return None
        return COMMAND_ES.get(string.message)
