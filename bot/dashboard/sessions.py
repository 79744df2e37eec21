"""Dashboard sessions, server-side in the kv store (Redis with several replicas, memory in the
embedded default), and the one use of each sign-in link.

The browser holds only a random session id in an HttpOnly cookie; the store keys the session
by the id's SHA-256, so a dump of Redis opens no session. A session ends after `idle_seconds`
without a page, MAX_SESSION_SECONDS after sign-in whatever happens, or at sign-out. Each
session has its own CSRF token, which every form carries.

A session holds at most STREAMS_PER_SESSION live streams at once (each polls the database):
each open stream holds one of its slots, taken atomically in the ledger every replica shares
(SET NX in Redis), on a lease that frees it even when the replica holding it dies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass

from bot.dashboard.links import Claim
from bot.kernel.kv import Cache, Ledger

MAX_SESSION_SECONDS = 24 * 3600
SESSION_KEY = "dashboard-session:"
USED_LINK_KEY = "dashboard-link:"
STREAM_KEY = "dashboard-stream:"
STREAMS_PER_SESSION = 3
# A used link stays remembered a little past its expiry (clocks of replicas differ a bit).
USED_LINK_MARGIN = 120


@dataclass(frozen=True)
class Session:
    admin_id: int
    language: str
    csrf: str
    started: float
    seen: float

    def csrf_matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(self.csrf.encode(), given.encode())


def _key(session_id: str) -> str:
    return SESSION_KEY + hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions in `cache`; used links and the live streams' slots in `used_links`."""

    def __init__(
        self, cache: Cache, used_links: Ledger, idle_seconds: float, clock: Callable[[], float]
    ) -> None:
        self.cache = cache
        self.used_links = used_links
        self.idle_seconds = idle_seconds
        self.clock = clock

    async def redeem(self, claim: Claim) -> bool:
        """Mark the link used; False when it was used before (by any replica: the take is
        atomic, SET NX in Redis)."""
        keep = max(1, int(claim.expires - self.clock()) + USED_LINK_MARGIN)
        key = USED_LINK_KEY + claim.nonce
        if not await self.used_links.take(key, keep):
            return False
        await self.used_links.done(key, keep)
        return True

    async def was_redeemed(self, claim: Claim) -> bool:
        return await self.used_links.is_done(USED_LINK_KEY + claim.nonce)

    async def open(self, claim: Claim) -> tuple[str, Session]:
        """A new session for the link's admin: its id (for the cookie) and the session."""
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        session = Session(claim.admin_id, claim.language, secrets.token_urlsafe(32), now, now)
        await self._save(session_id, session)
        return session_id, session

    async def get(self, session_id: str | None, *, touch: bool = True) -> Session | None:
        """The live session of this id, None when there is none (or it expired); `touch`
        counts the request as activity (a page does, the live stream does not)."""
        if not session_id:
            return None
        raw = await self.cache.get(_key(session_id))
        if raw is None:
            return None
        try:
            session = Session(**json.loads(raw))
        except (ValueError, TypeError):
            await self.cache.delete(_key(session_id))
            return None
        now = self.clock()
        if now - session.seen > self.idle_seconds or now - session.started > MAX_SESSION_SECONDS:
            await self.cache.delete(_key(session_id))
            return None
        if touch:
            session = Session(**{**asdict(session), "seen": now})
            await self._save(session_id, session)
        return session

    async def take_stream(self, session_id: str, lease_seconds: int) -> str | None:
        """One of the session's stream slots (the key to give back to `release_stream`),
        None when all are held."""
        base = STREAM_KEY + hashlib.sha256(session_id.encode()).hexdigest()
        for slot in range(STREAMS_PER_SESSION):
            key = f"{base}:{slot}"
            if await self.used_links.take(key, lease_seconds):
                return key
        return None

    async def release_stream(self, key: str) -> None:
        await self.used_links.release(key)

    async def close(self, session_id: str) -> None:
        await self.cache.delete(_key(session_id))

    async def _save(self, session_id: str, session: Session) -> None:
        # The store's own expiry only collects what is dead anyway; `get` decides.
        ttl = int(min(self.idle_seconds, MAX_SESSION_SECONDS)) + USED_LINK_MARGIN
        await self.cache.set(_key(session_id), json.dumps(asdict(session)), ttl)
