"""Walking and reading the corpus folder safely.

Anyone who can write the corpus folder (a scraper, an editor, a mounted volume) has less privilege than the
bot's operator, so nothing they put there may make the build read outside it: no symbolic link is ever
followed (a link to `/proc/self/environ` or `../.env` would otherwise be indexed and quoted), only regular
files are read, folders deeper than MAX_DEPTH are not entered. Every refusal is reported with a reason.

Files are opened relative to an open descriptor of the corpus folder, one path component at a time with
O_NOFOLLOW, and checked with fstat after opening: a link or a FIFO swapped in between the walk and the read
is refused, not followed.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from index.errors import ArticleError
from index.models import SkippedInput
from index.text.safe_text import escape_name, is_valid_name

log = logging.getLogger(__name__)

MAX_DEPTH = 64  # folder levels below the corpus folder; deeper ones are skipped with a reason
OUTSIDE_LINK = "symbolic link to outside the corpus"
INSIDE_LINK = "symbolic link (links are not followed; index the file where it is)"
NOT_REGULAR = "not a regular file"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO swapped in after the walk returns at once instead of waiting for a writer.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


@dataclass(frozen=True)
class CorpusFile:
    """A regular file found by the walk: its path components below the corpus folder and its identity."""

    parts: tuple[str, ...]
    device: int = -1  # -1: not checked (a file named directly, not found by a walk)
    inode: int = -1

    @property
    def rel(self) -> str:
        """The relative path as a safe string (control characters escaped), for ids, sources and logs."""
        return escape_name("/".join(self.parts))


@dataclass
class CorpusWalk:
    """What a walk found: the files to parse (sorted by path) and the entries it refused."""

    files: list[CorpusFile] = field(default_factory=list)
    skipped: list[SkippedInput] = field(default_factory=list)


@contextlib.contextmanager
def open_corpus(corpus_dir: Path) -> Iterator[int]:
    """A descriptor of the corpus folder (the configured path itself may be a link: the operator chose it)."""
    fd = os.open(corpus_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


def walk_corpus(root: int, corpus_dir: Path, max_depth: int = MAX_DEPTH) -> CorpusWalk:
    """Every non-hidden regular file under the open folder `root` (which is `corpus_dir`), without following
    links or going too deep."""
    walk = CorpusWalk()
    real_root = os.path.realpath(corpus_dir)  # only to say where a link points; nothing is opened by it
    pending: list[tuple[str, ...]] = [()]
    while pending:  # a loop, not recursion: a thousand nested folders must not overflow the stack
        parts = pending.pop()
        try:
            with _opened_dir(root, parts) as fd:
                for name, info in _entries(fd):
                    if isinstance(info, OSError):
                        _skip(walk, (*parts, name), f"cannot read file: {info.strerror or info}")
                    else:
                        _classify(walk, pending, (*parts, name), info, fd, real_root, max_depth)
        except OSError as exc:
            _skip(walk, parts, f"cannot read folder: {exc.strerror or exc}")
    walk.files.sort(key=lambda item: item.parts)
    return walk


def _entries(fd: int) -> list[tuple[str, os.stat_result | OSError]]:
    """The non-hidden entries of an open folder with their lstat (or why it failed), sorted by name."""
    found: list[tuple[str, os.stat_result | OSError]] = []
    with os.scandir(fd) as it:
        for entry in it:
            if entry.name.startswith("."):
                continue
            try:
                found.append((entry.name, entry.stat(follow_symlinks=False)))
            except OSError as exc:  # gone (or unreadable) since the folder was listed: only this entry
                found.append((entry.name, exc))
    return sorted(found, key=lambda item: item[0])


def _classify(
    walk: CorpusWalk,
    pending: list[tuple[str, ...]],
    parts: tuple[str, ...],
    info: os.stat_result,
    parent: int,
    real_root: str,
    max_depth: int,
) -> None:
    """File the entry `parts` under files, folders to walk, or skipped."""
    is_dir = stat.S_ISDIR(info.st_mode)
    if not is_valid_name(parts[-1]):
        _skip(walk, parts, f"{'folder' if is_dir else 'file'} name is not valid UTF-8")
    elif stat.S_ISLNK(info.st_mode):
        _skip(walk, parts, _link_reason(parts, parent, real_root))
    elif is_dir:
        if len(parts) > max_depth:
            _skip(walk, parts, f"folder nested more than {max_depth} levels deep (not entered)")
        else:
            pending.append(parts)
    elif stat.S_ISREG(info.st_mode):
        walk.files.append(CorpusFile(parts, info.st_dev, info.st_ino))
    else:
        _skip(walk, parts, NOT_REGULAR)


def _link_reason(parts: tuple[str, ...], parent: int, real_root: str) -> str:
    """Why a link is skipped: it leaves the corpus, or links are simply not followed."""
    try:
        target = os.readlink(parts[-1], dir_fd=parent)
    except OSError:
        return OUTSIDE_LINK
    resolved = os.path.realpath(os.path.join(real_root, *parts[:-1], target))
    inside = resolved == real_root or resolved.startswith(real_root.rstrip("/") + "/")
    return INSIDE_LINK if inside else OUTSIDE_LINK


def _skip(walk: CorpusWalk, parts: tuple[str, ...], reason: str) -> None:
    item = SkippedInput(path=CorpusFile(parts).rel or ".", reason=reason)
    log.warning("skipped %s", item)
    walk.skipped.append(item)


@contextlib.contextmanager
def _opened_dir(root: int, parts: tuple[str, ...]) -> Iterator[int]:
    """The folder `parts` below `root`, opened one component at a time without following links."""
    fd = root
    try:
        for name in parts:
            child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            if fd != root:
                os.close(fd)
            fd = child
        yield fd
    finally:
        if fd != root:
            os.close(fd)


def read_corpus_file(root: int, item: CorpusFile, max_bytes: int) -> bytes:
    """The bytes of one corpus file, refusing links, special files, swapped files and files over max_bytes."""
    try:
        with _opened_dir(root, item.parts[:-1]) as parent:
            fd = os.open(item.parts[-1], _FILE_FLAGS, dir_fd=parent)
        try:
            return _read_checked(fd, item, max_bytes)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link that replaced the file after the walk
            raise ArticleError(item.rel, "symbolic link (not followed)") from exc
        raise ArticleError(item.rel, f"cannot read file: {exc.strerror or exc}") from exc


def _read_checked(fd: int, item: CorpusFile, max_bytes: int) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise ArticleError(item.rel, NOT_REGULAR)
    if item.inode >= 0 and (info.st_dev, info.st_ino) != (item.device, item.inode):
        raise ArticleError(item.rel, "file was replaced while the corpus was being read")
    if info.st_size > max_bytes:
        raise ArticleError(item.rel, over_limit(info.st_size, max_bytes))
    chunks, total = [], 0
    while total <= max_bytes:  # a file that grows after fstat is still read only up to the limit
        chunk = _read(fd, min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > max_bytes:
        raise ArticleError(item.rel, over_limit(total, max_bytes))
    return b"".join(chunks)


_MB = 1024 * 1024
_read = os.read  # one seam for tests that make reading fail


def over_limit(size: int, max_bytes: int) -> str:
    """The reason given for a file over MAX_FILE_MB."""
    limit = _format_mb(max_bytes)
    return f"file is {_format_mb(size)} MB, over the limit of {limit} MB (setting MAX_FILE_MB)"


def _format_mb(size: int) -> str:
    """Megabytes with one decimal, or more when that would read as 0.0."""
    value = size / _MB
    return f"{value:.1f}" if value >= 0.1 else f"{value:.6f}".rstrip("0").rstrip(".")
