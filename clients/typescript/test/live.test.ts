/**
 * Against the real devnode, what the scenario does not pin: nonces under many concurrent signed writes,
 * signatures over the values that tell serialisers apart, and the design's `on("task_published")`.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  InsufficientFunds,
  InvalidContent,
  type NodeEvent,
  type TaskInput,
  TOSAIClient,
  Wallet,
} from "../src/index.js";
import { control, NODE_WS_URL, nodeUrl, scenario as S, waitFor } from "./support.js";

async function fundedClient(url: string): Promise<{ client: TOSAIClient; wallet: Wallet }> {
  const wallet = await Wallet.generate();
  await new TOSAIClient(url).devFaucet(wallet.address, S.funding.faucet_amount);
  const client = new TOSAIClient(url, { wallet, ...(NODE_WS_URL ? { wsUrl: NODE_WS_URL } : {}) });
  return { client, wallet };
}

const intermediate = (title: string, extra: Partial<TaskInput> = {}): TaskInput => ({
  title,
  description: "A task published by the TypeScript client's live tests, cancelled at once.",
  task_type: "GeneralTask",
  difficulty_level: "Intermediate",
  reward_amount: "15000000000",
  ...extra,
});

describe("signed writes against the node", () => {
  test("thirty concurrent writes from one wallet all succeed, each with its own nonce", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const { client, wallet } = await fundedClient(url);
    const published = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        client.publishTask(intermediate(`Concurrent publish number ${i}`)),
      ),
    );
    await Promise.all(published.map((task) => client.cancelTask(task.task_id)));
    assert.equal(await client.getNonce(), 30);
    assert.equal(new Set(published.map((task) => task.task_id)).size, 15);
    assert.equal(await client.getBalance(), BigInt(S.funding.faucet_amount));
    assert.equal(wallet.address, await client.address());
  });

  test("a refused write spends its nonce and the next write still goes through", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const { client } = await fundedClient(url);
    const results = await Promise.allSettled([
      client.publishTask(intermediate("A reward far too small", { reward_amount: "1" })),
      client.publishTask(intermediate("A task that is fine to publish")),
    ]);
    assert.ok(results[0].status === "rejected" && results[0].reason instanceof InvalidContent);
    assert.ok(results[1].status === "fulfilled");
    await client.cancelTask(results[1].value.task_id);
    assert.equal(await client.getNonce(), 3);
  });

  test("signatures hold over tiny fractions, astral and control characters, and integers beyond 2^53", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const { client } = await fundedClient(url);
    // JavaScript writes 1e-7 as "1e-7", Python (the node) as "1e-07": the signed bytes must be the node's.
    const task = await client.publishTask(
      intermediate("Évaluer l'algorithme 🚀 \u{1d11e}", {
        description:
          'Quotes " and backslashes \\ and a newline\nand a tab\t and U+2028 \u2028 survive signing.',
        verification_type: { PeerReview: { required_reviewers: 1, consensus_threshold: 1e-7 } },
      }),
    );
    const details = await client.getTaskDetails(task.task_id);
    assert.deepEqual(details.verification_type, {
      PeerReview: { required_reviewers: 1, consensus_threshold: 1e-7 },
    });
    assert.match(details.title, /🚀/);
    await client.cancelTask(task.task_id);
    // A fee of the whole supply (beyond 2^53) sent as a JSON integer: the node checks the signature over
    // every digit, then refuses the fee for the balance (a bad signature would be PermissionDenied).
    await assert.rejects(
      client.rpcCall("ai_register_miner", { miner_config: { registration_fee: 18_400_000_000_000_000n } }),
      InsufficientFunds,
    );
  });
});

describe("every method's typed call against the node's real replies", () => {
  test("the reads and dev methods the scenario does not call", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const client = new TOSAIClient(url);
    const [dev0, dev1] = await client.devAccounts();
    assert.ok(dev0 !== undefined && dev1 !== undefined);
    assert.equal(typeof dev0.private_key, "string");
    const publisher = new TOSAIClient(url, { sender: dev1.address });
    const task = await publisher.publishTask(
      intermediate("Read back through every daemon-compatible method"),
    );
    assert.match(await client.getVersion(), /\S/);
    const statistics = await client.getAiMiningStatistics();
    assert.equal(typeof statistics.total_staked, "bigint");
    assert.ok(statistics.active_tasks >= 1);
    const active = await client.getAiMiningActiveTasks();
    assert.equal(active[task.task_id]?.reward_amount, 15_000_000_000n);
    assert.equal(
      (await client.getAiMiningTask(task.task_id)).description,
      (await client.getTaskDetails(task.task_id)).description,
    );
    const miner = await client.getAiMiningMiner(dev0.address);
    assert.equal(miner.address, dev0.address);
    assert.equal(typeof miner.total_earnings, "bigint");
    const first = await client.getAiMiningState({ limit: 1 });
    assert.ok(Object.keys(first.tasks).length <= 1);
    if (first.next_offset !== null) {
      const second = await client.getAiMiningState({ limit: 1, offset: first.next_offset });
      assert.notDeepEqual(Object.keys(second.tasks), Object.keys(first.tasks));
    }
    assert.ok(Object.keys(first.miners).length >= 1);
    const discovered = (await client.discover()) as { methods?: Array<{ name: string }> };
    assert.ok(discovered.methods?.some((method) => method.name === "ai_publish_task"));
    const mined = await client.devMine(1);
    assert.ok(mined.topoheight >= 1);
    const now = await client.devIncreaseTime(0);
    assert.ok(Number.isInteger(now));
    assert.ok((await client.getNonce(dev0.address)) >= 0);
    assert.deepEqual(
      Object.keys(await client.aiGetNetworkInfo()).sort(),
      Object.keys(await client.getNetworkInfo()).sort(),
    );
    await publisher.cancelTask(task.task_id);
  });
});

describe("the event stream across a killed node", () => {
  test("after SIGKILL and a restart, every seq after the cursor arrives once, in order", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const { client } = await fundedClient(url);
    const { head_seq } = await client.getInfo();
    const stream = client.events({ sinceSeq: head_seq });
    const seqs: number[] = [];
    const reading = (async () => {
      for await (const event of stream) seqs.push(event.seq);
    })();
    try {
      const first = await client.publishTask(intermediate("Published before the node is killed"));
      await waitFor("the first event", () => seqs.length >= 1);
      await control("restart", { kill: true });
      const second = await client.publishTask(intermediate("Published after the node came back"));
      const { head_seq: head } = await client.getInfo();
      await waitFor("every event up to the head", () => seqs.at(-1) === head, 15_000);
      assert.deepEqual(
        seqs,
        seqs.map((_seq, index) => head_seq + index + 1),
      );
      assert.ok(stream.reconnects >= 1);
      await client.cancelTask(first.task_id);
      await client.cancelTask(second.task_id);
    } finally {
      stream.close();
      await reading;
    }
  });
});

describe("events as in the TOS design's WebSocket example", () => {
  test("client.on('task_published', (data) => ...) hears a task being published", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const { client } = await fundedClient(url);
    const heard: Array<NodeEvent<"task_published">> = [];
    client.on("task_published", (data, event) => {
      if (data.publisher === (client.wallet?.address ?? "")) heard.push(event);
    });
    try {
      // The stream is live-only: publish once it has subscribed, retrying until it hears one.
      const task = await waitFor(
        "the handler to hear the publish",
        async () => {
          const published = await client.publishTask(intermediate("Heard by an on() handler"));
          await waitFor(
            "the event",
            () => heard.some((e) => e.data.task_id === published.task_id),
            1000,
          ).catch(() => undefined);
          return heard.some((e) => e.data.task_id === published.task_id) ? published : undefined;
        },
        10_000,
      );
      const event = heard.find((e) => e.data.task_id === task.task_id);
      assert.equal(event?.data.reward_amount, 15_000_000_000n);
      assert.equal(event?.data.difficulty_level, "Intermediate");
      for (const done of heard) await client.cancelTask(done.data.task_id).catch(() => undefined);
    } finally {
      client.close();
    }
  });
});
