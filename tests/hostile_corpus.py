"""A hostile corpus folder, written at test time: everything a corpus writer could use against the build.

Nothing here is committed as files (symbolic links, FIFOs and undecodable names do not survive git).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "sk-hostile-corpus-5f0c1e9a7d"  # what a link out of the corpus must never get into the index
MAX_FILE_BYTES = 64 * 1024  # the builder's MAX_FILE_MB for this corpus
DEEP_FOLDERS = 100  # deeper than the walk's limit (64); tests/test_hostile_corpus.py also tries 1,000

GOOD = {
    "good.md": "---\ntitle: Harbour reopens\ndate: 2024-05-02\n---\nThe harbour of Valparaíso reopened on "
    "Thursday after the storm. Ships waited two days outside the bay.\n",
    "good.txt": " date 2024-05-03 Farmers in Nariño harvested a record potato crop this year. Prices fell.",
    "nested/good.txt": "The museum in Bogotá opened a new wing for pre-Columbian gold on Saturday.",
    # A newline and a bidi override in file names: indexed, with the characters escaped in id and source.
    "forged\nINFO index.build.builder: all good.txt": "A bridge in Lima was repainted blue by volunteers.",
    "evil\u202etxt.md": "Rain fell on Quito for the ninth day in a row, the weather service said.",
}
GOOD_JSONL_LINE = (
    '{"id": "feed-1", "title": "Bad\\u0000title\\u202e here", "date": "2024-05-04", '
    '"text": "The marathon in Medellín drew twelve thousand runners."}'
)
# good.md and good.txt share the id "good": good.txt comes second and is skipped as a duplicate id.
GOOD_IDS = {
    "good",
    "nested/good",
    "forged\\nINFO index.build.builder: all good",
    "evil\\u202etxt",
    "feed-1",
}


@dataclass
class HostileCorpus:
    """The folder, the skips a build must report (path -> words of the reason), the ids it must index."""

    corpus: Path
    secret_file: Path
    skips: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "---\n" + "\n".join(lines) + "\ndate: *i\n---\nA story under an alias bomb.\n"


def write_deep_folders(corpus: Path, levels: int) -> Path:
    """`levels` nested folders under corpus/deep, an article at the bottom; the deepest folder."""
    deepest = corpus / "deep"
    deepest.mkdir()
    for _ in range(levels - 1):  # one by one: os.makedirs recurses once per level
        deepest /= "d"
        deepest.mkdir()
    (deepest / "bottom.txt").write_text("An article at the bottom of a very deep folder.", encoding="utf-8")
    return deepest


def remove_deep_folders(corpus: Path, levels: int) -> None:
    """Remove what write_deep_folders made, bottom up (shutil.rmtree recurses once per level)."""
    folder = corpus.joinpath("deep", *["d"] * (levels - 1))
    (folder / "bottom.txt").unlink()
    for _ in range(levels):
        folder.rmdir()
        folder = folder.parent


def write_hostile_corpus(root: Path) -> HostileCorpus:
    """Write the hostile corpus under root/corpus (a secret file sits beside it, outside the corpus)."""
    corpus = root / "corpus"
    (corpus / "nested").mkdir(parents=True)
    secret_file = root / "secret.env"
    secret_file.write_text(f"DISCORD_TOKEN={SECRET}\n", encoding="utf-8")
    outside = root / "outside"
    outside.mkdir()
    (outside / "leak.txt").write_text(f"The DISCORD_TOKEN is {SECRET}.", encoding="utf-8")
    for name, text in GOOD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    deep_json = '{"text": ' + "[" * 1100 + "]" * 1100 + "}"
    (corpus / "feed.jsonl").write_text(f"{GOOD_JSONL_LINE}\n{deep_json}\n", encoding="utf-8")
    hostile = HostileCorpus(corpus, secret_file, ids=set(GOOD_IDS))
    skips = hostile.skips
    os.symlink("/proc/self/environ", corpus / "environ.txt")
    os.symlink("../secret.env", corpus / "settings.txt")
    os.symlink(outside, corpus / "linked")
    os.symlink("good.txt", corpus / "alias.txt")
    skips |= {
        "environ.txt": "symbolic link to outside the corpus",
        "settings.txt": "symbolic link to outside the corpus",
        "linked": "symbolic link to outside the corpus",
        "alias.txt": "symbolic link (links are not followed",
    }
    os.mkfifo(corpus / "pipe.txt")
    skips["pipe.txt"] = "not a regular file"
    write_deep_folders(corpus, DEEP_FOLDERS)
    skips["deep/" + "/".join(["d"] * 64)] = "folder nested more than 64 levels deep"
    (corpus / "bomb.md").write_text(_alias_bomb(), encoding="utf-8")
    skips["bomb.md"] = "anchors and aliases (& and *) are not allowed"
    deep_yaml = "---\ntitle: " + "[" * 600 + "]" * 600 + "\n---\nDeep front matter.\n"
    (corpus / "deep_yaml.md").write_text(deep_yaml, encoding="utf-8")
    skips["deep_yaml.md"] = "nested more than 16 levels deep"
    list_title = "---\ntitle: [one, two]\n---\nA title that is a list.\n"
    (corpus / "list_title.md").write_text(list_title, encoding="utf-8")
    skips["list_title.md"] = "field 'title': expected a single value"
    skips["feed.jsonl:2"] = "malformed JSON: nested too deeply"
    (corpus / "latin1.txt").write_bytes(b"Caf\xe9 con leche.")
    skips["latin1.txt"] = "not valid UTF-8"
    (corpus / "bad_date.txt").write_text(" date 2024-13-45 A story with a bad date.", encoding="utf-8")
    skips["bad_date.txt"] = "unparseable date '2024-13-45'"
    (corpus / "huge.txt").write_text("word " * (MAX_FILE_BYTES // 4), encoding="utf-8")
    skips["huge.txt"] = "over the limit"
    (corpus / os.fsdecode(b"bad\xffname.txt")).write_text("Undecodable name.", encoding="utf-8")
    skips["bad\\udcffname.txt"] = "file name is not valid UTF-8"
    skips["good.txt"] = "duplicate id 'good'"
    return hostile
