"""Live mission streams: a snapshot on connect, then every event in sequence, none missed, none twice.

The channel layer is at-most-once and unordered across processes: a broadcast that directly
follows what the stream has delivered is forwarded as is; any other is a doorbell, on which
the stream reads the events after the last sequence it delivered from the database and sends
them in order. The same read serves `resume` and a periodic catch-up
that covers a lost doorbell. Messages are handled one at a time per connection, so the
"last delivered" position needs no lock. Wire format: docs/realtime.md.

Permission is not only a question at connect. The stream re-reads its client's login (token or
session) and role, and asks the one visibility rule again (`may_follow`): on every catch-up
poll, before forwarding each event of a mission stream, and when `dispatch.accounts` announces
that the user's login changed (password, deactivation, token deleted, logout, groups) through
the per-user group. The board forwards on the verdict of its last check: a coordinator sees
every mission, so only the role or the login can change it, and both ring the user group.

A catch-up poll that finds nothing new costs no database query. It compares the stream's
position with its group's marker in Redis (`markers`: raised after each commit, and gone when
Redis forgot it, in which case the poll reads the database). A marker ahead is first given a
grace to arrive live (`REALTIME_LIVE_GRACE_SECONDS`): polls never race the broadcast they would
duplicate. The board's poll re-reads the
login only when there is something to read anyway, when the user's login version moved (the
`user.changed` ring may be lost; the version beside it is not), or when the login's own expiry
(token or session) has come. A mission stream still asks on every poll: whether a member is on
a mission's team changes without an announcement (a role covered by phone), and a mission page
is one socket per person following it, not a wall of boards.
"""

import asyncio
import contextlib
import json
import logging
import random
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from dispatch import roles, selectors
from dispatch.accounts import tokens
from dispatch.presenters import TravelMemo
from dispatch.realtime import markers
from dispatch.realtime.broadcast import BOARD_GROUP, mission_group, user_group
from dispatch.realtime.snapshot import build_snapshot, read_events_after
from dispatch.referrals import audit

logger = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_ALLOWED = 4403

# Client frames are `ping` and `resume`: a few dozen bytes, two levels deep at most.
MAX_FRAME_CHARS = 4096
MAX_FRAME_DEPTH = 4

# One for every stream of this process, not one per connection: each board's own copy held the
# travel of every mission on it (~9 KB a mission; 1.2 MB per client with 130 missions). The
# worker thread of `database_sync_to_async` is the only one that reads and fills it.
TRAVEL_MEMO = TravelMemo()


def page_language(scope: dict) -> str:
    """The language the page behind this socket is in, chosen as LocaleMiddleware chose it.

    The language switch's cookie first, then the browser's Accept-Language, then the default:
    the stream's labels then match the page's own words.
    """
    headers = dict(scope.get("headers", []))
    cookies = scope.get("cookies") or parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
    candidates = [cookies.get(settings.LANGUAGE_COOKIE_NAME, "")]
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept) if code != "*"]
    for code in candidates:
        if not code:
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def live_grace() -> float:
    """How long a poll that sees its marker ahead waits for the live broadcast: never more than a poll interval."""
    return min(settings.REALTIME_LIVE_GRACE_SECONDS, settings.REALTIME_CATCH_UP_SECONDS)


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion (the frame is already size-limited)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


class MissionStreamConsumer(AsyncJsonWebsocketConsumer):
    """Base stream; subclasses say who may follow it, which groups it joins and which missions it covers."""

    mission_id: int | None = None

    async def connect(self) -> None:
        self.position = 0  # every event in scope up to here has been sent (or is in the snapshot)
        self.snapshot_position = 0  # sequence of the last snapshot sent; later events went out live
        self.joined: list[str] = []
        self.poller: asyncio.Task | None = None
        self.second_look: asyncio.Task | None = None
        self.closed_with: int | None = None
        self.user = self.scope.get("user")
        self.language = page_language(self.scope)
        # What the client logged in with, to ask again later whether it still counts.
        self.token_key: str | None = self.scope.get("token_key")
        session = self.scope.get("session")
        self.session_key: str | None = None if self.token_key is not None or session is None else session.session_key
        # Accept first: a browser only sees a close code on an open socket.
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        self.login_version: int | None = None  # the user's login version when the access was last read
        self.access_until = 0.0  # time.time() when the login read then expires (token or session)
        if not await self.still_allowed():
            return
        if self.mission_id is not None:
            # One patient's stream is a read of their record: logged before anything is sent.
            await database_sync_to_async(audit.record_stream_read)(
                user=self.user, mission_id=self.mission_id, scope=self.scope
            )
        # Join before the snapshot: an event committed after the snapshot's read is then
        # certain to ring, and one already in the snapshot is dropped by its sequence.
        # The user's own group first: a logout from here on reaches this stream.
        for group in [user_group(self.user.pk), *self.stream_groups()]:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        await self.send_snapshot(reason="connect")
        await self._raise_marker()  # the first quiet poll then needs no database read
        after = self._after_from_query()
        if after is not None:
            await self.resume(after)
        self.poller = asyncio.create_task(self._poll_forever())

    def _after_from_query(self) -> int | None:
        values = parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("after")
        if not values or not values[0].isdigit():
            return None
        return int(values[0])

    async def disconnect(self, code: int) -> None:
        for task in (self.poller, self.second_look):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- subclass hooks (run in a worker thread where they touch the database) -------------
    def may_follow(self) -> bool:
        raise NotImplementedError

    # --- is the client still allowed? ------------------------------------------------------
    def access_now(self) -> int | None:
        """Read the login and the role again: None if the stream may go on, else the close code.

        Token: 1 query (token and user); session: 3 (session, user, its expiry); then
        `may_follow` with the fresh user (roles: 1, a mission: +1). Notes when the login expires.
        """
        if self.token_key is not None:
            login = tokens.login_for_token(self.token_key)
            user, expires = login if login is not None else (None, None)
        else:
            user = tokens.user_for_session(self.session_key)
            expires = tokens.session_expires_at(self.session_key) if user is not None else None
        if user is None or user.pk != self.user.pk:
            return CLOSE_NOT_LOGGED_IN
        self.user = user  # fresh: no cached roles
        # A store that does not say when its session ends: ask again at the next poll.
        self.access_until = expires.timestamp() if expires is not None else 0.0
        return None if self.may_follow() else CLOSE_NOT_ALLOWED

    async def still_allowed(self) -> bool:
        """Check now; close the stream (4401 / 4403) and say False if the client lost its access.

        The login version is read first: a change committed after it moves it again, so the
        next poll asks once more instead of trusting a read that may predate the change.
        """
        if self.closed_with is not None:
            return False
        version = await self._login_version()
        code = await database_sync_to_async(self.access_now)()
        if code is None:
            self.login_version = version
            return True
        self.closed_with = code
        logger.info("closing %s for user %s with %s: access changed", self.channel_name, self.user.pk, code)
        await self.close(code=code)
        return False

    async def allowed_to_forward(self) -> bool:
        """Before an event goes out. A mission stream checks each time; the board in `BoardConsumer`."""
        return await self.still_allowed()

    async def access_in_doubt(self) -> bool:
        """On a poll with nothing new: must the access be read again? The board asks Redis and the clock only."""
        return True

    async def _login_version(self) -> int | None:
        try:
            return await markers.login_version(self.channel_layer, self.user.pk)
        except Exception:  # noqa: BLE001 — Redis away: remember nothing, so the next poll asks again
            logger.warning("login version of user %s could not be read", self.user.pk)
            return None

    async def user_changed(self, message: dict[str, Any]) -> None:
        """From `dispatch.accounts` via the user's group: password, deactivation, token, logout or roles."""
        await self.still_allowed()

    def stream_groups(self) -> list[str]:
        raise NotImplementedError

    # --- client messages -------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs) -> None:
        """A frame that is not small, shallow JSON text gets an `error` reply; the connection stays open.

        Size first (nothing large is parsed), then depth: a frame deeper than any message we
        know is refused before anything reads into it.
        """
        if text_data is None:
            await self.send_error("binary_frame", "send JSON text frames, not binary ones")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error("frame_too_large", f"frames are at most {MAX_FRAME_CHARS} characters")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to parse
            await self.send_error("invalid_json", "the frame is not valid JSON")
            return
        if _depth(content) > MAX_FRAME_DEPTH:
            await self.send_error("too_deep", f"frames nest at most {MAX_FRAME_DEPTH} levels")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            after = content.get("after")
            if isinstance(after, bool) or not isinstance(after, int) or after < 0:
                await self.send_error("invalid_resume", "after must be an integer >= 0")
                return
            if await self.still_allowed():
                await self.resume(after)
        elif kind == "ping":
            await self.send_json({"type": "pong", "sequence": self.position})
        else:
            # Only a short string is echoed: `type` may be anything, nested arbitrarily deep.
            named = repr(kind[:40]) if isinstance(kind, str) else "(missing or not a string)"
            await self.send_error("unknown_type", f"unknown message type {named}")

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def resume(self, after: int) -> None:
        """Replay from the database after `after`, then carry on live; too far back gets a snapshot.

        Events after the snapshot may already have gone out live on this connection (a resume
        message can arrive after them): only the part before the snapshot is replayed then, so
        nothing is sent twice. `?after=N` on the URL resumes before anything live is sent.
        """
        current = await database_sync_to_async(selectors.current_sequence)()
        if after > current:
            # The client knows a sequence this server never issued (e.g. a restored database).
            await self.send_snapshot(reason="resume_unknown")
            return
        replayed = 0
        if after < self.snapshot_position:
            sent = await self.deliver_after(after, upto=self.snapshot_position)
            if sent is None:
                return  # a snapshot went out instead
            replayed += sent
        sent = await self.deliver_after(self.position)
        if sent is None:
            return
        replayed += sent
        await self.send_json({"type": "resumed", "after": after, "sequence": self.position, "replayed": replayed})

    # --- channel layer messages ------------------------------------------------------------
    async def mission_event(self, message: dict[str, Any]) -> None:
        """From `publish_event_on_commit`: forward it if nothing before it is missing, else catch up.

        `after` is the previous event in this stream's scope; once we have delivered up to it,
        this event is the next one, so the ready-made message goes out without a database read
        (200 boards, one read each per event, would cost seconds). Otherwise it is a doorbell.
        """
        sequence, text = self._ready_made(message)
        if sequence <= self.position:
            return
        if not await self.allowed_to_forward():
            return
        after = message.get("after")
        if after is not None and after <= self.position and text is not None:
            await self.send(text_data=text)
            self.position = sequence
            return
        await self.deliver_after(self.position)

    def _ready_made(self, message: dict[str, Any]) -> tuple[int, str | None]:
        """The event's sequence and its ready JSON text in this stream's language (None: a doorbell)."""
        texts = message.get("texts")
        if texts is not None:
            text = texts.get(self.language) or next(iter(texts.values()), None)
            return message.get("sequence", 0), text
        # A node of the version before ready texts (during a rolling deploy): the message as a dict.
        event = message.get("localized", {}).get(self.language) or message.get("event", {})
        return event.get("sequence", 0), json.dumps(event) if "mission" in event else None

    async def realtime_poll(self, message: dict[str, Any]) -> None:
        """Catch up if the group's marker is ahead (or gone); nothing new and no doubt: no database read.

        A marker ahead of this stream usually means a broadcast on its way here: the marker is
        raised as soon as the broadcast is handed to the channel layer, and 1,000 boards take a
        while to drain it. So the first sighting only books a second look after a grace
        (`live_grace`); the database is read then, if the event still has not come. A lost
        broadcast is caught a grace later; a live one is never held up by a read behind it.
        """
        expected = message.get("expect")
        newest = await self._newest()
        news = newest is None or newest > self.position
        if expected is not None and self.position < expected:
            pass  # the second look: what was ahead a grace ago never came live
        elif news and newest is not None:
            self._look_again(newest)
            news = False
        if (news or await self.access_in_doubt()) and not await self.still_allowed():
            return
        if news:
            await self.deliver_after(self.position)
            await self._raise_marker()
        if expected is None:
            await self.send_json(
                {"type": "heartbeat", "sequence": self.position, "server_time": timezone.now().isoformat()}
            )

    def _look_again(self, newest: int) -> None:
        """Ring the poll once more after the grace, expecting `newest` by then (one booking at a time)."""
        if self.second_look is not None and not self.second_look.done():
            return
        self.second_look = asyncio.create_task(self._ring(live_grace(), {"type": "realtime.poll", "expect": newest}))

    async def _ring(self, delay: float, message: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        try:
            await self.channel_layer.send(self.channel_name, message)
        except Exception:  # noqa: BLE001 — Redis away: the next regular poll looks again
            logger.warning("second look could not be queued for %s", self.channel_name)

    # --- delivery ---------------------------------------------------------------------------
    async def send_snapshot(self, *, reason: str) -> None:
        snapshot = await database_sync_to_async(build_snapshot)(
            user=self.user, mission_id=self.mission_id, memo=TRAVEL_MEMO, reason=reason, language=self.language
        )
        self.position = self.snapshot_position = snapshot["sequence"]
        await self.send_json(snapshot)

    async def deliver_after(self, after: int, *, upto: int | None = None) -> int | None:
        """Send every event in scope after `after` (up to `upto`); how many, or None if a snapshot went instead."""
        result = await database_sync_to_async(read_events_after)(
            after=after,
            mission_id=self.mission_id,
            limit=settings.REALTIME_RESUME_MAX_EVENTS,
            memo=TRAVEL_MEMO,
            upto=upto,
            language=self.language,
        )
        if result is None:
            await self.send_snapshot(reason="resume_too_old")
            return None
        messages, position = result
        for message in messages:
            await self.send_json(message)
        self.position = max(self.position, position)
        return len(messages)

    def marker_group(self) -> str:
        """The group whose marker bounds this stream's events (its one stream group)."""
        return self.stream_groups()[0]

    async def _newest(self) -> int | None:
        """The group's marker; None when Redis no longer has it or cannot be asked (the database answers)."""
        try:
            return await markers.newest_in_group(self.channel_layer, self.marker_group())
        except Exception:  # noqa: BLE001 — Redis away: the database answers
            logger.warning("stream marker of %s could not be read", self.marker_group())
            return None

    async def _raise_marker(self) -> None:
        """After a database read: everything in scope up to `position` has committed, so the marker may say so."""
        try:
            await markers.raise_groups(self.channel_layer, {self.marker_group(): self.position})
        except Exception:  # noqa: BLE001 — the next poll reads the database again; nothing is lost
            logger.warning("stream marker of %s could not be raised", self.marker_group())

    async def _poll_forever(self) -> None:
        """Ring our own doorbell now and then, through the channel so it queues with everything else."""
        interval = settings.REALTIME_CATCH_UP_SECONDS
        while True:
            # Jittered, so boards that connected together do not all read the database at once.
            await asyncio.sleep(interval * random.uniform(0.75, 1.25))
            try:
                await self.channel_layer.send(self.channel_name, {"type": "realtime.poll"})
            except Exception:  # noqa: BLE001 — Redis away: try again next round
                logger.warning("catch-up poll could not be queued for %s", self.channel_name)


class BoardConsumer(MissionStreamConsumer):
    """`ws/board/`: coordinators only; every event of every mission."""

    def may_follow(self) -> bool:
        return roles.is_coordinator(self.user)

    def stream_groups(self) -> list[str]:
        return [BOARD_GROUP]

    async def allowed_to_forward(self) -> bool:
        """The verdict of the last check (connect, poll, user group): no read per event for 1,000 boards."""
        return self.closed_with is None

    async def access_in_doubt(self) -> bool:
        """Only the login or the role can change a coordinator's board: the version moved, or the login expired."""
        if time.time() >= self.access_until:
            return True
        version = await self._login_version()
        return version is None or version != self.login_version


class MissionConsumer(MissionStreamConsumer):
    """`ws/missions/<id>/`: whoever may see the mission (coordinators, its team, its hospital's referrers)."""

    async def connect(self) -> None:
        self.mission_id = int(self.scope["url_route"]["kwargs"]["mission_id"])
        await super().connect()

    def may_follow(self) -> bool:
        return selectors.mission_visible_to(self.user, self.mission_id)

    def stream_groups(self) -> list[str]:
        return [mission_group(self.mission_id)]
