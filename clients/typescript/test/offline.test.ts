/**
 * The client against a scripted `fetch`: replies checked at the edge, retries for reads only, timeouts,
 * and what each refusal does to the next nonce. No node needed.
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ArgumentError,
  AutoMiner,
  canonicalJson,
  InsufficientFunds,
  NodeConnectionError,
  NodeHTTPError,
  NodeResponseError,
  NodeTimeoutError,
  NonceMismatch,
  parseJson,
  RateLimited,
  signingPayload,
  TOSAIClient,
  verifySignature,
  Wallet,
  WrongChain,
} from "../src/index.js";
import { vector } from "./support.js";

type Request = { id: number; method: string; params?: Record<string, unknown> };
type Answer = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> } | Error;

/** A `fetch` that hands each JSON-RPC request to `answer` and records them all. */
function scripted(answer: (request: Request, index: number) => Answer | Promise<Answer>) {
  const requests: Request[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    const request = parseJson(String(init.body)) as unknown as Request;
    requests.push(request);
    const reply = await answer(request, requests.length - 1);
    if (reply instanceof Error) throw reply;
    const text = reply.text ?? canonicalJson(reply.body ?? null);
    return new Response(text, { status: reply.status ?? 200, headers: reply.headers ?? {} });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

const ok = (request: Request, result: unknown): Answer => ({
  body: { jsonrpc: "2.0", id: request.id, result },
});
const refuse = (request: Request, code: number, message: string, data?: unknown): Answer => ({
  body: { jsonrpc: "2.0", id: request.id, error: { code, message, data } },
});
const info = (chainId: string) => ({
  height: 1,
  topoheight: 1,
  version: "fake/1",
  network: "devnet",
  timestamp: 1,
  head_seq: 0,
  chain_id: chainId,
  require_signatures: false,
});
const fast = { retry: { baseDelayMs: 1, maxDelayMs: 2 } };

const SUMMARY = {
  task_id: "ab".repeat(32),
  title: "A task title",
  task_type: { GeneralTask: {} },
  difficulty_level: "Beginner",
  reward_amount: "6000000000",
  stake_required: "600000000",
  deadline: 1,
  time_left: 1,
  participants_count: 0,
  max_participants: 1,
  submissions_count: 0,
  publisher: "tst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk9xlp6",
  status: "Published",
};

describe("replies are checked at the edge", () => {
  const cases: Array<[string, (request: Request) => Answer, string]> = [
    [
      "an amount that is not a decimal string",
      (r) => ok(r, [{ ...SUMMARY, reward_amount: "12.5" }]),
      "result[0].reward_amount",
    ],
    ["a missing field", (r) => ok(r, [{ ...SUMMARY, status: undefined }]), "result[0].status"],
    ["an integer that is a string", (r) => ok(r, [{ ...SUMMARY, deadline: "1" }]), "result[0].deadline"],
    ["a list that is an object", (r) => ok(r, { tasks: [] }), "result"],
    ["another request's id", (r) => ({ body: { jsonrpc: "2.0", id: r.id + 1, result: [] } }), "id"],
    ["no jsonrpc member", (r) => ({ body: { id: r.id, result: [] } }), "jsonrpc"],
    ["no result", (r) => ({ body: { jsonrpc: "2.0", id: r.id } }), "result"],
    ["a body that is not JSON", () => ({ text: "<html>oops</html>" }), "body"],
  ];
  for (const [name, answer, field] of cases) {
    test(`${name}: NodeResponseError naming the method and ${field}`, async () => {
      const { fetch } = scripted(answer);
      const client = new TOSAIClient("http://node", { fetch, retry: false });
      await assert.rejects(client.listActiveTasks(), (error: unknown) => {
        assert.ok(error instanceof NodeResponseError, String(error));
        assert.equal(error.method, "ai_list_active_tasks");
        assert.equal(error.field, field);
        assert.match(error.message, /^ai_list_active_tasks: malformed reply/);
        return true;
      });
    });
  }

  test("fields the client does not know are kept as sent", async () => {
    const { fetch } = scripted((r) => ok(r, [{ ...SUMMARY, novelty: { x: 1 } }]));
    const [task] = await new TOSAIClient("http://node", { fetch }).listActiveTasks();
    assert.deepEqual((task as unknown as Record<string, unknown>).novelty, { x: 1 });
    assert.equal(task?.reward_amount, 6000000000n);
  });

  test("daemon integers beyond 2^53 arrive exact", async () => {
    const statistics = `{"jsonrpc":"2.0","id":1,"result":{"total_tasks":1,"active_tasks":1,"completed_tasks":0,"total_miners":2,"total_rewards_distributed":18446744073709551615,"total_staked":9007199254740993}}`;
    const { fetch } = scripted(() => ({ text: statistics }));
    const result = await new TOSAIClient("http://node", { fetch }).getAiMiningStatistics();
    assert.equal(result.total_rewards_distributed, 18446744073709551615n);
    assert.equal(result.total_staked, 9007199254740993n);
  });
});

describe("retries are for reads only", () => {
  test("a read is retried after connection errors, then succeeds", async () => {
    const { fetch, requests } = scripted((r, i) =>
      i < 2 ? new TypeError("fetch failed") : ok(r, "devnode/0.1.0"),
    );
    assert.equal(await new TOSAIClient("http://node", { fetch, ...fast }).getVersion(), "devnode/0.1.0");
    assert.equal(requests.length, 3);
  });

  test("a read gives up after the policy's attempts with NodeConnectionError", async () => {
    const { fetch, requests } = scripted(() => new TypeError("fetch failed"));
    await assert.rejects(
      new TOSAIClient("http://node", { fetch, ...fast }).getVersion(),
      NodeConnectionError,
    );
    assert.equal(requests.length, 4);
  });

  test("a write is sent once, whatever happens", async () => {
    const { fetch, requests } = scripted(() => new TypeError("fetch failed"));
    const client = new TOSAIClient("http://node", { fetch, ...fast, sender: SUMMARY.publisher });
    await assert.rejects(client.participateTask(SUMMARY.task_id, 1n), NodeConnectionError);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.params?.from, SUMMARY.publisher);
  });

  test("HTTP 503 on a read is retried; the body's words are kept when it is not", async () => {
    const { fetch, requests } = scripted((r, i) =>
      i === 0 ? { status: 503, text: "busy", headers: { "retry-after": "0" } } : ok(r, "v"),
    );
    assert.equal(await new TOSAIClient("http://node", { fetch, ...fast }).getVersion(), "v");
    assert.equal(requests.length, 2);
    const failing = scripted(() => ({ status: 418, text: "teapot" }));
    await assert.rejects(
      new TOSAIClient("http://node", { fetch: failing.fetch, ...fast }).getVersion(),
      (error) => {
        assert.ok(error instanceof NodeHTTPError);
        assert.equal(error.status, 418);
        assert.match(error.message, /teapot/);
        return true;
      },
    );
    assert.equal(failing.requests.length, 1);
  });

  test("rate limited reads wait retry_after when it is short, and give up when it is long", async () => {
    const short = scripted((r, i) =>
      i === 0 ? refuse(r, -32007, "slow down", { retry_after: 0.01 }) : ok(r, "v"),
    );
    assert.equal(await new TOSAIClient("http://node", { fetch: short.fetch, ...fast }).getVersion(), "v");
    assert.equal(short.requests.length, 2);
    const long = scripted((r) => refuse(r, -32007, "slow down", { retry_after: 60 }));
    await assert.rejects(
      new TOSAIClient("http://node", { fetch: long.fetch, ...fast }).getVersion(),
      RateLimited,
    );
    assert.equal(long.requests.length, 1);
  });

  test("a domain refusal of a read is not retried", async () => {
    const { fetch, requests } = scripted((r) => refuse(r, -32001, "unknown task"));
    await assert.rejects(new TOSAIClient("http://node", { fetch, ...fast }).getTaskDetails(SUMMARY.task_id));
    assert.equal(requests.length, 1);
  });

  test("a node that does not answer in time is a NodeTimeoutError", async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        // A real request holds a socket open; this stands in for it (AbortSignal.timeout's timer does not).
        const socket = setTimeout(() => undefined, 10_000);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(socket);
          reject(init.signal?.reason);
        });
      })) as typeof globalThis.fetch;
    const started = Date.now();
    await assert.rejects(
      new TOSAIClient("http://node", { fetch, timeoutMs: 50, retry: false }).getInfo(),
      (error) => {
        assert.ok(error instanceof NodeTimeoutError);
        assert.equal(error.timeoutMs, 50);
        return true;
      },
    );
    assert.ok(Date.now() - started < 2000);
  });
});

describe("arguments are checked before anything is sent", () => {
  const { fetch, requests } = scripted((r) => ok(r, null));
  const client = new TOSAIClient("http://node", { fetch });
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ["a negative stake", () => client.participateTask(SUMMARY.task_id, -1), "stake_amount"],
    ["a fractional stake", () => client.participateTask(SUMMARY.task_id, 1.5), "stake_amount"],
    ["a task id that is not 64 hex", () => client.getTaskDetails("nope"), "task_id"],
    [
      "an address with a bad checksum",
      () => client.getBalance(`${SUMMARY.publisher.slice(0, -1)}q`),
      "address",
    ],
    [
      "an unknown task type",
      () => client.publishTask({ task_type: "Poetry" as "GeneralTask", reward_amount: 1 }),
      "task_data.task_type",
    ],
    [
      "a reward beyond the maximum supply",
      () => client.publishTask({ task_type: "GeneralTask", reward_amount: 1n << 64n }),
      "task_data.reward_amount",
    ],
  ];
  for (const [name, call, field] of cases) {
    test(name, async () => {
      const before = requests.length;
      await assert.rejects(
        call(),
        (error: unknown) => error instanceof ArgumentError && error.field === field,
      );
      assert.equal(requests.length, before);
    });
  }
});

describe("nonces and chain ids of signed writes", () => {
  /** A node that checks signatures and nonces as the devnode does. */
  async function fakeNode(
    options: { chainId?: () => string; refuse?: (request: Request) => Answer | undefined } = {},
  ) {
    const wallet = await Wallet.generate();
    let next = 0;
    const chainId = options.chainId ?? (() => "c0ffee");
    const spent: number[] = [];
    const { fetch, requests } = scripted(async (request) => {
      if (request.method === "get_info") return ok(request, info(chainId()));
      if (request.method === "get_nonce")
        return ok(request, { address: wallet.address, nonce: next, topoheight: 0 });
      const { auth, ...params } = request.params as {
        auth: { nonce: number; chain_id: string; signature: string };
      };
      if (auth.chain_id !== chainId()) {
        return refuse(request, -32004, "wrong chain", { rule: "chain_id", expected: chainId() });
      }
      const bytes = signingPayload(request.method, params, auth.nonce, {
        chainId: auth.chain_id,
        network: "devnet",
      });
      if (!(await verifySignature(wallet.publicKey, bytes, auth.signature))) {
        return refuse(request, -32004, "bad signature", { rule: "signature" });
      }
      if (auth.nonce !== next)
        return refuse(request, -32004, "wrong nonce", { rule: "nonce", expected: next });
      next++;
      spent.push(auth.nonce);
      return (
        options.refuse?.(request) ??
        ok(request, { participation_id: "p", task_id: SUMMARY.task_id, stake_amount: "1" })
      );
    });
    const client = new TOSAIClient("http://node", { fetch, wallet });
    return { client, requests, spent, setNext: (n: number) => (next = n) };
  }

  test("concurrent writes take consecutive nonces, reading the nonce and chain once", async () => {
    const { client, requests, spent } = await fakeNode();
    await Promise.all(Array.from({ length: 20 }, () => client.participateTask(SUMMARY.task_id, 1)));
    assert.deepEqual(spent, [...Array(20).keys()]);
    assert.equal(requests.filter((r) => r.method === "get_nonce").length, 1);
    assert.equal(requests.filter((r) => r.method === "get_info").length, 1);
  });

  test("a refusal after the nonce check spends it; the next write uses the next one", async () => {
    const { client, spent } = await fakeNode({
      refuse: (r) => (spent.length === 1 ? refuse(r, -32002, "poor") : undefined),
    });
    await assert.rejects(client.participateTask(SUMMARY.task_id, 1), InsufficientFunds);
    await client.participateTask(SUMMARY.task_id, 1);
    assert.deepEqual(spent, [0, 1]);
  });

  test("another writer moved the nonce: NonceMismatch, and the next write uses the node's", async () => {
    const { client, setNext, spent } = await fakeNode();
    await client.participateTask(SUMMARY.task_id, 1);
    setNext(5);
    await assert.rejects(client.participateTask(SUMMARY.task_id, 1), (error: unknown) => {
      assert.ok(error instanceof NonceMismatch);
      assert.equal(error.expected, 5);
      return true;
    });
    await client.participateTask(SUMMARY.task_id, 1);
    assert.deepEqual(spent, [0, 5]);
  });

  test("a reset chain: the write refused as WrongChain is re-signed once for the new chain", async () => {
    let chain = "aaaa";
    const { client, requests, spent } = await fakeNode({ chainId: () => chain });
    await client.participateTask(SUMMARY.task_id, 1);
    chain = "bbbb";
    await client.participateTask(SUMMARY.task_id, 1);
    const writes = requests.filter((r) => r.method === "ai_participate_task");
    assert.deepEqual(
      writes.map((r) => (r.params?.auth as { chain_id?: string } | undefined)?.chain_id),
      ["aaaa", "aaaa", "bbbb"],
    );
    assert.deepEqual(spent, [0, 1]);
  });

  test("a pinned chain id is never changed: WrongChain reaches the caller", async () => {
    const wallet = await Wallet.generate();
    const { fetch, requests } = scripted((r) =>
      r.method === "get_info"
        ? ok(r, info("node-chain"))
        : r.method === "get_nonce"
          ? ok(r, { address: wallet.address, nonce: 0, topoheight: 0 })
          : refuse(r, -32004, "wrong chain", { rule: "chain_id", expected: "node-chain" }),
    );
    const client = new TOSAIClient("http://node", { fetch, wallet, chainId: "pinned" });
    await assert.rejects(client.participateTask(SUMMARY.task_id, 1), WrongChain);
    assert.equal(requests.filter((r) => r.method === "ai_participate_task").length, 1);
  });

  test("params that carry auth already are sent as they are", async () => {
    const wallet = await Wallet.generate();
    const { fetch, requests } = scripted((r) => ok(r, null));
    const client = new TOSAIClient("http://node", { fetch, wallet });
    const signed = await wallet.signParams("ai_cancel_task", { task_id: SUMMARY.task_id }, 9, {
      chainId: "x",
      network: "devnet",
    });
    await client.rpcCall("ai_cancel_task", signed);
    assert.equal(requests.length, 1);
    assert.deepEqual(requests[0]?.params, signed);
  });
});

describe("the auto-miner follows the node's published rules", () => {
  const RULES = vector<{ rules: Record<string, unknown> }>("rules").rules;

  /** One scan against a scripted node publishing `rules` (or none); the stakes it offered, by task. */
  async function scan(rules: unknown, tasks: unknown[], reputation = 500) {
    const me = (await Wallet.generate()).address;
    const stakes: Record<string, string> = {};
    const failures: unknown[] = [];
    const { fetch, requests } = scripted((r) => {
      switch (r.method) {
        case "ai_get_rules":
          return rules === undefined ? refuse(r, -32601, "method not found") : ok(r, rules);
        case "ai_list_active_tasks":
          return ok(r, (r.params?.offset ?? 0) === 0 ? tasks : []);
        case "ai_get_miner_stats":
          return ok(r, {
            miner_address: me,
            is_registered: true,
            reputation,
            tasks_published: 0,
            tasks_participated: 0,
            submissions: 0,
            wins: 0,
            validations: 0,
            total_earnings: "0",
            current_stake: "0",
            balance: "0",
            registered_at: 1,
            specializations: [],
          });
        case "ai_participate_task": {
          const taskId = String(r.params?.task_id);
          stakes[taskId] = String(r.params?.stake_amount);
          return ok(r, { participation_id: "cd".repeat(32), task_id: taskId, stake_amount: stakes[taskId] });
        }
        default:
          return refuse(r, -32601, `unscripted ${r.method}`);
      }
    });
    const client = new TOSAIClient("http://fake.node", { fetch, sender: me, ...fast });
    const miner = new AutoMiner(client, {
      targetDifficulties: ["Beginner", "Intermediate"],
      useEvents: false,
      minTimeLeft: 0,
      onActivity: (activity) => {
        if (activity.type === "error") failures.push(activity.error);
        if (activity.type === "scan" || activity.type === "error") miner.stop();
      },
    });
    const report = await miner.run();
    client.close();
    assert.deepEqual(failures, []);
    return { stakes, report, rulesRequests: requests.filter((r) => r.method === "ai_get_rules").length };
  }

  const task = (n: number, changes: Record<string, unknown> = {}) => ({
    ...SUMMARY,
    task_id: n.toString(16).padStart(64, "0"),
    time_left: 3600,
    ...changes,
  });

  test("it stakes the minimum of the node's stake range, with the node's divisors", async () => {
    const { stakes, rulesRequests } = await scan({ ...RULES, stake: { min_divisor: 4, max_divisor: 3 } }, [
      task(1, { stake_required: "0" }),
    ]);
    assert.deepEqual(stakes, { [task(1).task_id]: String(6_000_000_000n / 4n) });
    assert.equal(rulesRequests, 1);
  });

  test("it skips a level its reputation may not join by the node's rules", async () => {
    const intermediate = task(2, { difficulty_level: "Intermediate", reward_amount: "20000000000" });
    const strict = await scan(RULES, [task(1), intermediate], 250);
    assert.deepEqual(Object.keys(strict.stakes), [task(1).task_id]);
    const lenient = structuredClone(RULES) as {
      difficulty_levels: Array<{ min_reputation: { participate: number } }>;
    };
    (lenient.difficulty_levels[1] as { min_reputation: { participate: number } }).min_reputation.participate =
      200;
    const both = await scan(lenient, [task(1), intermediate], 250);
    assert.deepEqual(Object.keys(both.stakes).sort(), [task(1).task_id, intermediate.task_id].sort());
  });

  test("without ai_get_rules it keeps this package's own rules", async () => {
    const { stakes } = await scan(undefined, [task(1, { stake_required: "0" })]);
    assert.deepEqual(stakes, { [task(1).task_id]: String(6_000_000_000n / 10n) });
  });
});
