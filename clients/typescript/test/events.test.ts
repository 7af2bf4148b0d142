/**
 * EventStream against scripted sockets: resuming after the last seq across drops, dropping replays,
 * the node's notices, chain resets, and malformed messages. No node needed (the live restart is in the
 * scenario).
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AnyNodeEvent,
  ChainReset,
  EventStream,
  type EventStreamOptions,
  InvalidParams,
  NodeConnectionError,
  NodeResponseError,
  ResyncRequired,
  type WebSocketLike,
} from "../src/index.js";
import { waitFor } from "./support.js";

type Subscribe = { id: number; params: { events: unknown; since_seq?: number } };

class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  subscribe: Subscribe | undefined;

  constructor(private readonly server: FakeServer) {
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 1);
  }

  send(data: string): void {
    this.subscribe = JSON.parse(data) as Subscribe;
    this.server.subscribed(this);
  }

  push(message: unknown): void {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code, reason }), 1);
  }
}

const event = (seq: number, name = "task_status_changed"): Record<string, unknown> => ({
  event: name,
  seq,
  topoheight: 1,
  timestamp: 1,
  data: { task_id: "t", old_status: "Published", new_status: "InProgress" },
});

/** A node that keeps `log` and answers each subscription as the devnode does, with hooks to misbehave. */
class FakeServer {
  readonly sockets: FakeSocket[] = [];
  chainId = "chain-a";
  log: number[] = [];
  onSubscribe: (socket: FakeSocket, since: number | undefined) => void = (socket, since) => {
    const head = this.log.at(-1) ?? 0;
    socket.push({
      jsonrpc: "2.0",
      id: socket.subscribe?.id,
      result: { head_seq: head, chain_id: this.chainId },
    });
    for (const seq of this.log) if (since !== undefined && seq > since) socket.push(event(seq));
  };

  connect = (): FakeSocket => {
    const socket = new FakeSocket(this);
    this.sockets.push(socket);
    return socket;
  };

  subscribed(socket: FakeSocket): void {
    this.onSubscribe(socket, socket.subscribe?.params.since_seq);
  }

  stream(options: EventStreamOptions = {}): EventStream {
    return new EventStream("ws://fake/ai/ws", this.connect, {
      reconnectBaseMs: 1,
      reconnectMaxMs: 5,
      ...options,
    });
  }

  get live(): FakeSocket {
    const socket = this.sockets.at(-1);
    assert.ok(socket !== undefined);
    return socket;
  }
}

async function collect(stream: EventStream, count: number): Promise<AnyNodeEvent[]> {
  const events: AnyNodeEvent[] = [];
  for await (const item of stream) {
    events.push(item);
    if (events.length >= count) break;
  }
  return events;
}

describe("EventStream", () => {
  test("resumes after the last seq it delivered when the connection drops, dropping replays", async () => {
    const server = new FakeServer();
    server.log = [1, 2, 3];
    // The second connection replays from 1 whatever it is asked: the stream must drop what it had.
    let connections = 0;
    const original = server.onSubscribe;
    server.onSubscribe = (socket, since) => {
      connections++;
      original(socket, connections === 1 ? since : 0);
      if (connections === 1) socket.close(1006, "gone");
    };
    const stream = server.stream({ sinceSeq: 0 });
    const reading = collect(stream, 5);
    await waitFor("the second connection", () => server.sockets.length === 2);
    server.log.push(4, 5);
    server.live.push(event(4));
    server.live.push(event(5));
    const events = await reading;
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(server.sockets[1]?.subscribe?.params.since_seq, 3);
    assert.equal(stream.reconnects, 1);
  });

  test("live only: after a reconnect it resumes from the head the node reported", async () => {
    const server = new FakeServer();
    server.log = [1, 2, 3, 4];
    const stream = server.stream();
    const reading = collect(stream, 1);
    await waitFor("the subscription", () => server.sockets[0]?.subscribe);
    assert.equal(server.sockets[0]?.subscribe?.params.since_seq, undefined);
    server.live.close(1006);
    await waitFor("the second subscription", () => server.sockets[1]?.subscribe);
    assert.equal(server.sockets[1]?.subscribe?.params.since_seq, 4);
    server.live.push(event(5));
    assert.deepEqual(
      (await reading).map((e) => e.seq),
      [5],
    );
  });

  test("subscription_dropped (a slow consumer) is followed by a resume from the seq it names", async () => {
    const server = new FakeServer();
    server.log = [1, 2];
    const stream = server.stream({ sinceSeq: 0 });
    const reading = collect(stream, 3);
    await waitFor("two events", () => stream.lastSeq === 2);
    server.live.push({
      event: "subscription_dropped",
      reason: "slow_consumer",
      last_seq: 2,
      message: "too slow",
    });
    server.live.close(1013, "try again later");
    server.log.push(3);
    assert.deepEqual(
      (await reading).map((e) => e.seq),
      [1, 2, 3],
    );
  });

  test("resync_required ends the stream with ResyncRequired", async () => {
    const server = new FakeServer();
    server.onSubscribe = (socket) => {
      socket.push({ jsonrpc: "2.0", id: 1, result: { head_seq: 900, chain_id: "chain-a" } });
      socket.push({ event: "resync_required", oldest_seq: 400, head_seq: 900, message: "gone" });
    };
    await assert.rejects(collect(server.stream({ sinceSeq: 10 }), 1), (error: unknown) => {
      assert.ok(error instanceof ResyncRequired);
      assert.equal(error.oldestSeq, 400);
      assert.equal(error.sinceSeq, 10);
      return true;
    });
  });

  test("a malformed event ends the stream with a NodeResponseError naming the field", async () => {
    const server = new FakeServer();
    server.onSubscribe = (socket) => {
      socket.push({ jsonrpc: "2.0", id: 1, result: { head_seq: 0, chain_id: "chain-a" } });
      socket.push({
        ...event(1, "participant_joined"),
        data: { task_id: "t", participation_id: "p", miner: "m", stake_amount: "1.5", participants_count: 1 },
      });
    };
    await assert.rejects(collect(server.stream(), 1), (error: unknown) => {
      assert.ok(error instanceof NodeResponseError);
      assert.equal(error.method, "subscribe");
      assert.equal(error.field, "event.data.stake_amount");
      return true;
    });
    const text = new FakeServer();
    text.onSubscribe = (socket) => socket.push("not json");
    await assert.rejects(collect(text.stream(), 1), NodeResponseError);
  });

  test("a refused subscription is the node's typed error", async () => {
    const server = new FakeServer();
    server.onSubscribe = (socket) =>
      socket.push({
        jsonrpc: "2.0",
        id: 1,
        error: { code: -32602, message: "unknown event name", data: { field: "events" } },
      });
    await assert.rejects(collect(server.stream(), 1), InvalidParams);
  });

  test("a new chain id ends the stream with ChainReset naming both chains and the cursor", async () => {
    const server = new FakeServer();
    server.log = [1, 2];
    const stream = server.stream({ sinceSeq: 0 });
    const reading = collect(stream, 10);
    await waitFor("two events", () => stream.lastSeq === 2);
    server.chainId = "chain-b";
    server.log = [];
    server.live.close(1006);
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof ChainReset);
      assert.deepEqual([error.oldChainId, error.newChainId, error.lastSeq], ["chain-a", "chain-b", 2]);
      return true;
    });
  });

  test("a cursor stored with its chain id is checked on the first subscription too", async () => {
    const server = new FakeServer();
    await assert.rejects(collect(server.stream({ sinceSeq: 7, chainId: "chain-old" }), 1), ChainReset);
  });

  test('onChainReset "restart": a chain_reset notice, then the new chain from seq 0', async () => {
    const server = new FakeServer();
    server.log = [1, 2, 3];
    const stream = server.stream({ sinceSeq: 0, onChainReset: "restart" });
    const notices: unknown[] = [];
    stream.on("chain_reset", (notice) => notices.push(notice));
    const reading = collect(stream, 5);
    await waitFor("three events", () => stream.lastSeq === 3);
    server.chainId = "chain-b";
    server.log = [1, 2];
    server.live.close(1006);
    const events = await reading;
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 2, 3, 1, 2],
    );
    assert.deepEqual(notices, [{ oldChainId: "chain-a", newChainId: "chain-b", lastSeq: 3 }]);
    assert.equal(stream.chainId, "chain-b");
  });

  test("handlers get (data, event) per name; one that throws does not stop the others", async () => {
    const server = new FakeServer();
    server.log = [1, 2];
    const thrown: unknown[] = [];
    const stream = server.stream({ sinceSeq: 0, onHandlerError: (error) => thrown.push(error) });
    const seen: number[] = [];
    try {
      stream.on("task_status_changed", () => {
        throw new Error("a buggy handler");
      });
      stream.on("task_status_changed", (data, e) => {
        assert.equal(data.new_status, "InProgress");
        seen.push(e.seq);
      });
      await waitFor("both events", () => seen.length === 2);
      await waitFor("the handler's error reported", () => thrown.length === 2);
    } finally {
      stream.close();
    }
    assert.deepEqual(seen, [1, 2]);
  });

  test("maxReconnects: gives up with NodeConnectionError", async () => {
    const stream = new EventStream(
      "ws://fake/ai/ws",
      () => {
        throw new Error("connection refused");
      },
      { maxReconnects: 2, reconnectBaseMs: 1, reconnectMaxMs: 2 },
    );
    await assert.rejects(collect(stream, 1), NodeConnectionError);
  });

  test("close() while the connection is still opening leaves no socket open", async () => {
    const server = new FakeServer();
    const stream = server.stream();
    const running = stream.start();
    stream.close();
    await running;
    await waitFor("the socket to open and be closed", () => server.sockets[0]?.readyState === 3, 1000);
    assert.equal(server.sockets[0]?.subscribe, undefined, "it never subscribed");
  });

  test("a peer that stops answering pings is dropped and the stream resumes on a new connection", async () => {
    const server = new FakeServer();
    server.log = [1];
    const pings: number[] = [];
    // The first socket can ping (like Node's ws) but its peer never answers: the network is cut.
    const connect = () => {
      const socket = server.connect() as FakeSocket & {
        ping?: () => void;
        on?: (e: string, f: () => void) => void;
        terminate?: () => void;
      };
      if (server.sockets.length === 1) {
        socket.ping = () => pings.push(Date.now());
        socket.on = () => undefined;
        socket.terminate = () => socket.close(1006, "terminated");
      }
      return socket;
    };
    const stream = new EventStream("ws://fake/ai/ws", connect, {
      sinceSeq: 0,
      heartbeatMs: 20,
      reconnectBaseMs: 1,
      reconnectMaxMs: 2,
    });
    const reading = collect(stream, 2);
    await waitFor("a second connection after the silent first", () => server.sockets.length === 2, 2000);
    assert.ok(pings.length >= 1, "it pinged the quiet connection");
    server.log.push(2);
    server.live.push(event(2));
    assert.deepEqual(
      (await reading).map((e) => e.seq),
      [1, 2],
    );
    assert.equal(server.sockets[1]?.subscribe?.params.since_seq, 1);
  });

  test("close() ends an iterating reader", async () => {
    const server = new FakeServer();
    const stream = server.stream();
    const reading = collect(stream, 1);
    await waitFor("the subscription", () => server.sockets[0]?.subscribe);
    stream.close();
    assert.deepEqual(await reading, []);
    assert.equal(stream.ended, true);
  });
});
