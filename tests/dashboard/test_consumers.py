"""The live connection on the real ASGI app, with the real Redis channel layer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import close_old_connections, transaction
from django.test import Client

from dashboard import broadcast, relay
from dashboard.events import record_events
from dashboard.feedhub import feed_hub
from dashboard.models import NodeAccount
from dashboard.relay import store_and_announce
from dashboard.visibility import FEED_GROUP
from tests.support.devnode import free_port
from tosweb.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("use_redis")]

ALICE, BOB, CAROL = "tst1alice", "tst1bob", "tst1carol"
TASK = "a" * 64
SIGNAL = re.compile(r'<div id="live-event"[^>]*data-seq="(\d+)"[^>]*data-refresh="([^"]*)"')
PREV_SEQ = re.compile(r'data-seq="(\d+)" data-prev-seq="(\d+)"')


def event(seq: int, name: str, **data: object) -> dict[str, object]:
    return {"event": name, "seq": seq, "topoheight": 1, "timestamp": 1_800_000_000 + seq, "data": data}


def published(seq: int, publisher: str = CAROL, task_id: str = TASK) -> dict[str, object]:
    return event(
        seq, "task_published", task_id=task_id, publisher=publisher, title="Sort a list", reward_amount="100"
    )


def reward(seq: int, recipient: str) -> dict[str, object]:
    return event(
        seq, "reward_distributed", task_id=TASK, recipient=recipient, amount="5", reward_type="winner"
    )


@database_sync_to_async
def make_user(username: str, address: str | None) -> tuple[User, str]:
    """A user (linked to `address` when given) and the session cookie of a login."""
    user = User.objects.create_user(username, password="a-long-passphrase")
    if address:
        NodeAccount.objects.create(user=user, address=address, encrypted_private_key="-", origin="imported")
    client = Client()
    client.force_login(user)
    return user, client.cookies["sessionid"].value


store = database_sync_to_async(store_and_announce)


@pytest.fixture
async def open_sockets() -> AsyncIterator[list[WebsocketCommunicator]]:
    sockets: list[WebsocketCommunicator] = []
    yield sockets
    for socket in sockets:
        await socket.disconnect()


@pytest.fixture
def connect(open_sockets: list[WebsocketCommunicator]) -> Callable[..., Any]:
    async def connect(
        session: str | None, query: str = "", origin: bytes = b"http://127.0.0.1"
    ) -> WebsocketCommunicator:
        headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
        if session:
            headers.append((b"cookie", f"sessionid={session}".encode()))
        socket = WebsocketCommunicator(application, f"/ws/live/{query}", headers=headers)
        open_sockets.append(socket)
        return socket

    return connect


async def seqs_received(socket: WebsocketCommunicator, until: int) -> list[int]:
    """The seqs of the frames received, up to and including `until` (a frame the test knows will come)."""
    seqs: list[int] = []
    while not seqs or seqs[-1] < until:
        frame = await socket.receive_from(timeout=15)
        if frame.startswith('<span id="unread-count"'):
            continue  # the header's unread count after a notification: a state, not an event
        match = SIGNAL.search(frame)
        assert match, frame
        seqs.append(int(match[1]))
    return seqs


async def test_an_anonymous_visitor_is_closed_with_4401(connect: Callable[..., Any]) -> None:
    socket = await connect(None, "?since_seq=0")
    connected, _ = await socket.connect(timeout=10)
    assert connected
    assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4401}


async def test_a_forged_session_is_closed_with_4401(connect: Callable[..., Any]) -> None:
    socket = await connect("not-a-session-key", "?since_seq=0")
    await socket.connect(timeout=10)
    assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4401}


async def test_a_session_from_before_a_password_change_is_closed_with_4401(
    connect: Callable[..., Any],
) -> None:
    user, session = await make_user("alice", ALICE)
    user.set_password("another-long-passphrase")
    await database_sync_to_async(user.save)()  # the session's auth hash no longer matches
    socket = await connect(session, "?since_seq=0")
    await socket.connect(timeout=10)
    assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4401}


async def test_a_foreign_origin_is_refused(connect: Callable[..., Any]) -> None:
    _, session = await make_user("alice", ALICE)
    socket = await connect(session, "?since_seq=0", origin=b"https://evil.example")
    connected, _ = await socket.connect(timeout=10)
    assert not connected


async def test_a_malformed_task_id_is_refused_with_4400(connect: Callable[..., Any]) -> None:
    _, session = await make_user("alice", ALICE)
    socket = await connect(session, "?task=../user.2&since_seq=0")
    await socket.connect(timeout=10)
    assert await socket.receive_output(timeout=10) == {"type": "websocket.close", "code": 4400}


async def test_a_user_gets_public_events_and_their_own_private_ones_never_another_users(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    await make_user("bob", BOB)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1, publisher=ALICE)])
    await store([reward(2, ALICE), reward(3, BOB)])
    await store([event(4, "reputation_changed", address=BOB, old=500, new=510, delta=10, reason="winner")])
    await store(
        [event(5, "task_status_changed", task_id=TASK, old_status="Published", new_status="InProgress")]
    )
    # Seq 1 reaches alice through both `feed` and her own group: she gets it once.
    assert await seqs_received(socket, until=5) == [1, 2, 5]


async def test_an_event_concerning_the_user_asks_the_page_to_refresh_the_wallet_and_their_own_lists(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, f"?task={TASK}&since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1, publisher=CAROL), reward(2, ALICE)])
    first = SIGNAL.search(await socket.receive_from(timeout=15))
    second = SIGNAL.search(await socket.receive_from(timeout=15))
    assert first
    assert second
    assert (first[1], first[2]) == ("1", "tasks task")
    assert (second[1], second[2]) == ("2", "task wallet mine")


async def test_the_feed_page_gets_the_events_row(connect: Callable[..., Any]) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?feed=1&since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([reward(1, ALICE)])
    frame = await socket.receive_from(timeout=15)
    assert '<ol id="feed-rows" hx-swap-oob="afterbegin">' in frame
    assert 'data-seq="1"' in frame
    assert "Reward distributed: 0.00000005 TOS" in frame


async def test_a_resume_replays_exactly_the_missed_events_once_in_order_then_goes_on_live(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    await make_user("bob", BOB)
    await store([published(1), published(2, task_id="b" * 64), reward(3, BOB), reward(4, ALICE)])
    socket = await connect(alice)
    assert (await socket.connect(timeout=10))[0]
    # Stored while the page had not said where it is: sent live, but the replay is what carries it.
    await store([published(5, task_id="c" * 64)])
    await socket.send_json_to({"type": "resume", "since_seq": 1})
    assert await seqs_received(socket, until=5) == [2, 4, 5]
    await store([published(6, task_id="d" * 64)])
    assert await seqs_received(socket, until=6) == [6]


async def test_live_events_racing_a_replay_are_neither_lost_nor_repeated(connect: Callable[..., Any]) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice)
    assert (await socket.connect(timeout=10))[0]
    await socket.send_json_to({"type": "resume", "since_seq": 0})
    for seq in range(1, 31):
        await store([published(seq, task_id=f"{seq:064x}")])
    assert await seqs_received(socket, until=30) == list(range(1, 31))


@database_sync_to_async
def store_unsent(raw_events: list[dict[str, object]]) -> None:
    """Store events the channel layer never delivers (as pub/sub drops one sent before a SUBSCRIBE took effect)."""
    with transaction.atomic():
        record_events(raw_events)


async def test_an_event_the_layer_missed_after_a_resume_is_sent_from_the_database_before_the_next(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice)
    assert (await socket.connect(timeout=10))[0]
    await store([published(1)])
    await socket.send_json_to({"type": "resume", "since_seq": 0})
    assert await seqs_received(socket, until=1) == [1]  # replayed: the resume is done
    await store_unsent([published(2, task_id="b" * 64)])
    await store([published(3, task_id="c" * 64)])
    # The missed event first, then the live one, each chained to the one before (what live.js checks).
    frames = [PREV_SEQ.findall(await socket.receive_from(timeout=15)) for _ in range(2)]
    assert frames == [[("2", "1")], [("3", "2")]]
    await store([published(4, task_id="d" * 64)])
    assert await seqs_received(socket, until=4) == [4]


@database_sync_to_async
def store_lost(raw_events: list[dict[str, object]]) -> None:
    """Store events the relay sent but the layer lost (a failed send, pub/sub reconnecting to Redis)."""
    with transaction.atomic():
        for stored in record_events(raw_events):
            broadcast.sent_seqs.chain(FEED_GROUP, stored.seq)


async def test_an_event_the_layer_lost_mid_session_is_sent_when_the_groups_next_event_names_it(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1)])
    await store([published(2, task_id="b" * 64)])
    assert await seqs_received(socket, until=2) == [1, 2]  # live for a while: past the check after resume
    await store_lost([published(3, task_id="c" * 64)])
    await store([published(4, task_id="d" * 64)])
    frames = [PREV_SEQ.findall(await socket.receive_from(timeout=15)) for _ in range(2)]
    assert frames == [[("3", "2")], [("4", "3")]]
    await store([published(5, task_id="e" * 64)])
    assert await seqs_received(socket, until=5) == [5]


async def test_a_closed_page_leaves_its_process_feed_hub(connect: Callable[..., Any]) -> None:
    _, alice = await make_user("alice", ALICE)
    first, second = await connect(alice, "?since_seq=0"), await connect(alice, "?since_seq=0")
    assert (await first.connect(timeout=10))[0]
    assert (await second.connect(timeout=10))[0]
    await store([published(1)])
    assert await seqs_received(second, until=1) == [1]
    assert len(feed_hub().pages) == 2
    await first.disconnect()
    await store([published(2, task_id="b" * 64)])
    assert await seqs_received(second, until=2) == [2]
    assert len(feed_hub().pages) == 1


async def test_a_page_is_told_to_try_again_later_while_redis_is_down(
    connect: Callable[..., Any], settings: Any
) -> None:
    _, alice = await make_user("alice", ALICE)
    layer = settings.CHANNEL_LAYERS["default"]
    host = {**layer["CONFIG"]["hosts"][0], "address": f"redis://127.0.0.1:{free_port()}/0"}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
    channel_layers.backends.clear()
    try:
        socket = await connect(alice, "?since_seq=0")
        accepted, code = await socket.connect(timeout=10)
        if accepted:  # the core layer reaches Redis only when the page joins its groups, after the accept
            code = (await socket.receive_output(timeout=10))["code"]
        # 1013 "try again later": the ws extension reconnects with backoff, the badge says reconnecting.
        assert code == 1013
    finally:
        channel_layers.backends.clear()
        # The login check's connection is still open in the shared sync thread (PostgreSQL then refuses to
        # drop the test database): the page failed before any later database call closed it, as the next
        # page's first call would.
        await database_sync_to_async(close_old_connections)()


HEARTBEAT = re.compile(
    r'data-seq="(\d+)" data-prev-seq="\d+" data-refresh="" data-flag="heartbeat" data-head="(-?\d+)" data-sent="(\d+)"'
)


async def test_the_relays_heartbeat_reaches_the_page_with_the_nodes_head_and_what_was_sent(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1)])
    assert await seqs_received(socket, until=1) == [1]

    await broadcast.send_heartbeat(head=3, sent=1)

    beat = HEARTBEAT.search(await socket.receive_from(timeout=15))
    assert beat
    assert beat.groups() == ("1", "3", "1")


async def test_a_heartbeat_naming_a_feed_event_the_page_never_got_replays_it_first(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1)])
    assert await seqs_received(socket, until=1) == [1]
    await database_sync_to_async(record_events)([published(2, task_id="b" * 64)])  # stored, never sent
    # As when the send to the layer failed: it counts as sent.
    broadcast.sent_seqs.sent_out([(FEED_GROUP, {"type": "feed.event", "seq": 2})])

    await broadcast.send_heartbeat(head=2, sent=2)

    assert await seqs_received(socket, until=2) == [2]
    assert HEARTBEAT.search(await socket.receive_from(timeout=15))


async def test_a_ping_is_answered_at_once_so_the_page_knows_its_connection_works(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]

    await socket.send_json_to({"type": "ping"})

    assert 'data-flag="pong"' in await socket.receive_from(timeout=10)


async def test_too_many_events_stored_by_page_views_are_not_sent_one_by_one_yet_the_page_gets_them(
    connect: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    tasks = [f"{n:x}" * 64 for n in range(2, 8)]
    await store([published(1)])
    assert await seqs_received(socket, until=1) == [1]
    await store([published(2, task_id=tasks[0])])  # a live one: the check after the page's resume is done
    assert await seqs_received(socket, until=2) == [2]
    await database_sync_to_async(record_events)([published(n, task_id=tasks[n - 2]) for n in (3, 4, 5)])
    monkeypatch.setattr(relay, "ANNOUNCE_LIMIT", 2)

    await store([published(6, task_id=tasks[4])])  # 3 to 6 never sent: more than the limit
    await store([published(7, task_id=tasks[5])])

    events: list[int] = []
    while not events or events[-1] < 7:
        frame = await socket.receive_from(timeout=15)
        if 'data-flag=""' in frame:
            match = SIGNAL.search(frame)
            assert match
            events.append(int(match[1]))
    assert events == [3, 4, 5, 6, 7]


async def test_a_new_notification_sends_the_users_pages_their_unread_count_and_nobody_elses(
    connect: Callable[..., Any],
) -> None:
    _, alice = await make_user("alice", ALICE)
    _, bob = await make_user("bob", BOB)
    alice_page = await connect(alice, "?since_seq=0")
    bob_page = await connect(bob, "?since_seq=0")
    assert (await alice_page.connect(timeout=10))[0]
    assert (await bob_page.connect(timeout=10))[0]

    await store([reward(1, ALICE)])

    assert SIGNAL.search(await alice_page.receive_from(timeout=15))  # the reward's own frame first
    count = await alice_page.receive_from(timeout=15)
    assert count.startswith('<span id="unread-count" class="unread-count" hx-swap-oob="true">1<')
    assert await bob_page.receive_nothing(timeout=1)


async def test_a_private_event_the_feed_overtook_is_sent_in_its_place(connect: Callable[..., Any]) -> None:
    """A reward reaches the page through its own channel, the next public event through the process's feed
    hub, which is quicker: the page used to send the public event first and then drop the reward as seen."""
    _, alice = await make_user("alice", ALICE)
    socket = await connect(alice, "?since_seq=0")
    assert (await socket.connect(timeout=10))[0]
    await store([published(1)])
    assert await seqs_received(socket, until=1) == [1]
    batch = []
    for seq in range(2, 12, 2):
        batch += [reward(seq, ALICE), published(seq + 1, task_id=f"{seq:064x}")]
    await store(batch)
    frames: list[tuple[str, str]] = []
    while not frames or int(frames[-1][0]) < 11:
        frame = await socket.receive_from(timeout=15)
        frames += [(seq, prev) for seq, prev in PREV_SEQ.findall(frame)]
    assert [int(seq) for seq, _ in frames] == list(range(2, 12))
    assert [int(prev) for _, prev in frames] == list(range(1, 11))
