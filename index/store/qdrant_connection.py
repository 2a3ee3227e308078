"""One Qdrant client per process, opened on first use: a server (QDRANT_URL) or the in-process store."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.errors import IndexLocked, IndexNotFound

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

log = logging.getLogger(__name__)

INSTALL_HINT = "INDEX_ENGINE=qdrant needs qdrant-client: pip install -e '.[qdrant]'"


class QdrantUnavailable(IndexNotFound):
    """The server QDRANT_URL names cannot be reached, refuses the key, or runs an unsupported version."""


class QdrantConnection:
    """One client per process (the in-process store allows one), opened on first use and shared."""

    def __init__(self, url: str | None, api_key: str | None, local_path: Path) -> None:
        self.url, self._api_key, self.local_path = url, api_key, local_path
        self._client: QdrantClient | None = None
        self._opening = threading.Lock()
        # In-process mode keeps plain Python structures: one call at a time. A server takes them in parallel.
        self.lock: contextlib.AbstractContextManager[Any] = (
            contextlib.nullcontext() if url else threading.RLock()
        )

    @property
    def client(self) -> QdrantClient:
        """The connected client."""
        with self._opening:
            if self._client is None:
                self._client = self._open()
            return self._client

    def _open(self) -> QdrantClient:
        try:
            from qdrant_client import QdrantClient
        except ImportError as exc:
            raise ImportError(INSTALL_HINT) from exc
        if self.url:
            # Our own check below replaces the client's, which only warns from a thread of its own.
            client = QdrantClient(url=self.url, api_key=self._api_key, check_compatibility=False)
            try:
                check_server(client)
            except BaseException:
                client.close()
                raise
            return client
        self.local_path.mkdir(parents=True, exist_ok=True)
        try:
            return QdrantClient(path=str(self.local_path), force_disable_check_same_thread=True)
        except RuntimeError as exc:
            raise IndexLocked(
                f"The in-process Qdrant store {self.local_path} is open in another process; stop it, or "
                "run a Qdrant server and set QDRANT_URL"
            ) from exc

    @contextlib.contextmanager
    def call(self) -> Iterator[QdrantClient]:
        """The client for one call: serialised in process; a server's failure as one clear error."""
        from qdrant_client.http.exceptions import ApiException

        client = self.client
        try:
            with self.lock:
                yield client
        except ApiException as exc:
            # No URL in the message: it may reach a Discord user; the log has the cause.
            log.error("Qdrant call failed: %s", exc)
            raise IndexNotFound(
                "The Qdrant server did not answer as expected; check that it runs (QDRANT_URL)"
            ) from exc

    def close(self) -> None:
        """Release the client (and the in-process store's folder lock)."""
        with self._opening:
            if self._client is not None:
                self._client.close()
                self._client = None


def check_server(client: QdrantClient) -> None:
    """Ask the server its version once: unreachable, a refused key or a version qdrant-client does not
    support (major versions equal, minor versions at most one apart) is one clear error, not a traceback."""
    from importlib.metadata import version

    from qdrant_client.common.version_check import is_compatible
    from qdrant_client.http.exceptions import ApiException, UnexpectedResponse

    try:
        served = client.info().version
    except UnexpectedResponse as exc:
        log.debug("Qdrant server check failed: %s", exc)
        why = "refuses QDRANT_API_KEY" if exc.status_code in (401, 403) else "did not answer as expected"
        raise QdrantUnavailable(f"The Qdrant server at QDRANT_URL {why}") from exc
    except (ApiException, OSError) as exc:
        log.debug("Qdrant server check failed: %s", exc)  # the cause may name the host: not in the message
        raise QdrantUnavailable(
            "Cannot reach the Qdrant server at QDRANT_URL; check that it runs and the URL is right"
        ) from exc
    ours = version("qdrant-client")
    if not is_compatible(ours, served):
        raise QdrantUnavailable(
            f"The Qdrant server at QDRANT_URL runs {served}, which qdrant-client {ours} does not support "
            "(the minor versions may differ by one at most): run the server compose.yaml pins"
        )
