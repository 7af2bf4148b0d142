/**
 * clients/conformance/scenario.md, steps 1-9, through this package's public API against the harness's
 * devnode. Inputs and expected values come from scenario.json (`S`). The last step resets the chain, so
 * this file runs last.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  AlreadyDone,
  type AnyNodeEvent,
  type AutoMiningReport,
  ChainReset,
  type ChainResetNotice,
  type EventStream,
  InsufficientFunds,
  InvalidContent,
  InvalidParams,
  MethodNotFound,
  type MiningActivity,
  NodeConnectionError,
  type NodeRPCError,
  NodeTimeoutError,
  NonceMismatch,
  NotAccepting,
  PermissionDenied,
  type SubmissionReceipt,
  type TaskInput,
  TOSAIClient,
  UnknownEntity,
  Wallet,
  WrongChain,
} from "../src/index.js";
import {
  control,
  member,
  NODE_WS_URL,
  nodeUrl,
  scenario as S,
  sameAsSent,
  sleep,
  vector,
  waitFor,
  without,
} from "./support.js";

type Actor = "publisher" | "miner_1" | "miner_2" | "validator_1" | "validator_2";
const ACTORS: Actor[] = ["publisher", "miner_1", "miner_2", "validator_1", "validator_2"];

/** Reads a stream in the background, keeping every event and how it ended. */
class Reader {
  readonly events: AnyNodeEvent[] = [];
  error: unknown;
  readonly done: Promise<void>;

  constructor(readonly stream: EventStream) {
    this.done = (async () => {
      try {
        for await (const event of stream) this.events.push(event);
      } catch (error) {
        this.error = error;
      }
    })();
  }

  until(what: string, check: (event: AnyNodeEvent) => boolean, timeoutMs = 15_000): Promise<AnyNodeEvent> {
    return waitFor(
      what,
      () => this.events.find(check) ?? (this.error ? Promise.reject(this.error) : undefined),
      timeoutMs,
    );
  }
}

function expectRefusal(kind: string, ErrorClass: abstract new (...args: never[]) => NodeRPCError) {
  const entry = S.refusals.find((refusal: { kind: string }) => refusal.kind === kind);
  return (error: unknown): boolean => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name} (${kind}), got ${String(error)}`);
    assert.equal((error as NodeRPCError).kind, kind);
    assert.equal((error as NodeRPCError).code, entry.code);
    return true;
  };
}

function isTransient(error: unknown): boolean {
  return error instanceof NodeConnectionError || error instanceof NodeTimeoutError;
}

describe("the conformance scenario", () => {
  let url: string | undefined;
  let dev: TOSAIClient;
  const wallets = {} as Record<Actor | "auto_miner", Wallet>;
  const clients = {} as Record<Actor | "auto_miner", TOSAIClient>;
  const funded = {} as Record<Actor, bigint>;
  let startSeq = 0;
  let chain = "";
  let taskA = "";
  let taskB = "";
  const submissions = {} as Record<"miner_1" | "miner_2", SubmissionReceipt>;
  let httpEvents: AnyNodeEvent[] = [];
  let reader: Reader | undefined;
  let restartReader: Reader | undefined;
  const resetNotices: ChainResetNotice[] = [];

  before(async () => {
    url = process.env.TOS_NODE_URL;
  });

  after(() => {
    reader?.stream.close();
    restartReader?.stream.close();
    for (const client of Object.values(clients)) client.close();
  });

  const make = (wallet: Wallet) =>
    new TOSAIClient(url, { wallet, ...(NODE_WS_URL ? { wsUrl: NODE_WS_URL } : {}) });

  test("1. network info", async (t) => {
    url = nodeUrl(t);
    if (url === undefined) return;
    dev = new TOSAIClient(url);
    const info = await dev.getInfo();
    assert.equal(info.network, "devnet");
    assert.equal(typeof info.chain_id, "string");
    assert.ok(info.chain_id.length > 0);
    assert.ok(Number.isInteger(info.head_seq) && info.head_seq >= 0);
    startSeq = info.head_seq;
    chain = info.chain_id;
    const network = await dev.getNetworkInfo();
    for (const field of [
      "active_tasks",
      "total_miners",
      "online_miners",
      "topoheight",
      "timestamp",
    ] as const) {
      assert.ok(Number.isInteger(network[field]), field);
    }
    assert.equal(typeof network.total_rewards_distributed, "bigint");
    assert.equal(typeof network.average_task_completion_time, "number");
    assert.equal(network.network, "devnet");
    assert.deepEqual(
      await dev.aiGetNetworkInfo().then((n) => Object.keys(n).sort()),
      Object.keys(network).sort(),
    );
  });

  test("1. rules: getRules() is the live node's ai_get_rules, and the vectors' apart from its settings", async (t) => {
    if (nodeUrl(t) === undefined) return;
    const rules = await dev.getRules();
    const raw = await dev.rpcCall("ai_get_rules");
    assert.ok(sameAsSent(rules, raw), "getRules() holds what ai_get_rules sent");
    assert.equal(typeof rules.amounts.max_supply, "bigint");
    const vectors = vector<{ rules: unknown; configurable: string[] }>("rules");
    assert.deepEqual(without(raw, vectors.configurable), without(vectors.rules, vectors.configurable));
    for (const [path, expected] of Object.entries(S.rules.on_this_node)) {
      assert.deepEqual(member(raw, path), expected, path);
    }
    assert.equal(rules.rate_limits.per_window, null);
  });

  test("2. accounts: five wallets, funded; four registered", async (t) => {
    if (nodeUrl(t) === undefined) return;
    for (const actor of ACTORS) {
      wallets[actor] = await Wallet.generate();
      clients[actor] = make(wallets[actor]);
      await dev.devFaucet(wallets[actor].address, S.funding.faucet_amount);
    }
    await Promise.all(
      ACTORS.filter((actor) => actor !== "publisher").map((actor) =>
        clients[actor].registerMiner({ registrationFee: S.funding.registration_fee }),
      ),
    );
    for (const actor of ACTORS.filter((actor) => actor !== "publisher")) {
      const stats = await clients[actor].getMinerStats();
      assert.equal(stats.is_registered, true, actor);
      assert.equal(stats.reputation, 500, actor);
    }
    for (const actor of ACTORS) funded[actor] = await clients[actor].getBalance();
    assert.equal(funded.publisher, BigInt(S.funding.faucet_amount));
    assert.equal(funded.miner_1, BigInt(S.funding.faucet_amount) - BigInt(S.funding.registration_fee));
  });

  test("3. publish, list, page, cancel", async (t) => {
    if (nodeUrl(t) === undefined) return;
    const publisher = clients.publisher;
    const before = await publisher.getBalance();
    const published = await publisher.publishTask(S.task_a.task_data as TaskInput);
    assert.equal(published.status, "published");
    taskA = published.task_id;
    assert.equal(before - (await publisher.getBalance()), BigInt(S.task_a.task_data.reward_amount));
    const details = await publisher.getTaskDetails(taskA);
    const expect = (summary: Record<string, unknown>, actual: Record<string, unknown>) => {
      for (const [field, value] of Object.entries(summary)) {
        const got = actual[field];
        if (typeof got === "bigint") assert.equal(got, BigInt(value as string), field);
        else assert.deepEqual(got, value, field);
      }
    };
    expect(S.task_a.expected_summary, details as unknown as Record<string, unknown>);

    taskB = (await publisher.publishTask(S.task_b.task_data as TaskInput)).task_id;
    expect(
      S.task_b.expected_summary,
      (await publisher.getTaskDetails(taskB)) as unknown as Record<string, unknown>,
    );

    const mine = { publisher: wallets.publisher.address };
    const ids = async (query: Parameters<TOSAIClient["listActiveTasks"]>[0]) =>
      (await publisher.listActiveTasks(query)).map((task) => task.task_id);
    assert.deepEqual(await ids({ filters: mine, sortBy: "created_at", sortOrder: "desc" }), [taskB, taskA]);
    assert.deepEqual(await ids({ filters: mine, sortBy: "created_at", sortOrder: "desc", limit: 1 }), [
      taskB,
    ]);
    assert.deepEqual(
      await ids({ filters: mine, sortBy: "created_at", sortOrder: "desc", limit: 1, offset: 1 }),
      [taskA],
    );
    assert.deepEqual(await ids({ filters: { ...mine, difficulty_level: "Intermediate" } }), [taskA]);

    const beforeCancel = await publisher.getBalance();
    await publisher.cancelTask(taskB);
    assert.equal((await publisher.getTaskDetails(taskB)).status, "Cancelled");
    assert.equal((await publisher.getBalance()) - beforeCancel, BigInt(S.task_b.task_data.reward_amount));
  });

  test("4. participate, submit, refuse", async (t) => {
    if (nodeUrl(t) === undefined) return;
    const stake = S.task_a.stake_amount as string;
    const before = await clients.miner_1.getBalance();
    const joined = await clients.miner_1.participateTask(taskA, stake);
    assert.equal(joined.stake_amount, BigInt(stake));
    assert.equal(before - (await clients.miner_1.getBalance()), BigInt(stake));
    const details = await dev.getTaskDetails(taskA);
    assert.equal(details.status, "InProgress");
    assert.equal(details.participants.length, 1);

    // The refusals, in scenario.md's order, each as this client's type for its kind.
    await assert.rejects(
      clients.miner_1.participateTask(taskA, stake),
      expectRefusal("already_done", AlreadyDone),
    );
    await assert.rejects(
      clients.publisher.participateTask(taskA, stake),
      expectRefusal("permission_denied", PermissionDenied),
    );
    await assert.rejects(
      clients.validator_1.participateTask(taskA, 1),
      expectRefusal("insufficient_funds", InsufficientFunds),
    );
    await assert.rejects(dev.getTaskDetails("0".repeat(64)), expectRefusal("unknown_entity", UnknownEntity));
    await assert.rejects(
      clients.publisher.publishTask({
        title: "Conformance: a reward far too small",
        task_type: "GeneralTask",
        difficulty_level: "Intermediate",
        reward_amount: "100000000",
      }),
      expectRefusal("invalid_content", InvalidContent),
    );
    // The typed call refuses "nope" before sending; the raw call lets the node say it.
    await assert.rejects(dev.getTaskDetails("nope"));
    await assert.rejects(
      dev.rpcCall("ai_get_task_details", { task_id: "nope" }),
      expectRefusal("invalid_params", InvalidParams),
    );
    await assert.rejects(dev.rpcCall("ai_no_such_method"), expectRefusal("method_not_found", MethodNotFound));

    const publisher = clients.publisher;
    const nonce = await publisher.getNonce();
    const binding = await publisher.chain();
    const ahead = await wallets.publisher.signParams(
      "ai_cancel_task",
      { task_id: taskA },
      nonce + 5,
      binding,
    );
    await assert.rejects(publisher.rpcCall("ai_cancel_task", ahead), (error: unknown) => {
      expectRefusal("nonce_mismatch", NonceMismatch)(error);
      assert.equal((error as NonceMismatch).expected, nonce);
      return true;
    });
    const otherChain = { ...binding, chainId: "0000000000000000" };
    const elsewhere = await wallets.publisher.signParams(
      "ai_cancel_task",
      { task_id: taskA },
      nonce,
      otherChain,
    );
    await assert.rejects(publisher.rpcCall("ai_cancel_task", elsewhere), (error: unknown) => {
      expectRefusal("wrong_chain", WrongChain)(error);
      assert.equal((error as WrongChain).expected, chain);
      return true;
    });
    assert.equal(await publisher.getNonce(), nonce, "neither refusal spent a nonce");

    await clients.miner_2.participateTask(taskA, stake);
    submissions.miner_1 = await clients.miner_1.submitSolution(taskA, S.task_a.solutions.miner_1);
    submissions.miner_2 = await clients.miner_2.submitSolution(taskA, S.task_a.solutions.miner_2);
    for (const receipt of Object.values(submissions)) {
      assert.equal(receipt.status, "submitted");
      assert.match(receipt.answer_hash, /^[0-9a-f]{64}$/);
    }
    assert.equal((await dev.getTaskDetails(taskA)).submissions_count, 2);
  });

  test("5. validate and complete", async (t) => {
    if (nodeUrl(t) === undefined) return;
    await assert.rejects(
      clients.miner_1.approve(taskA, submissions.miner_2.submission_id, 90, "mine is better"),
      expectRefusal("permission_denied", PermissionDenied),
    );
    const counts: Record<string, number> = {};
    for (const step of S.task_a.validations as Array<{
      validator: Actor;
      submission_of: "miner_1" | "miner_2";
      result: { Approve: { quality_score: number; reasoning: string } } | { Reject: { reason: string } };
    }>) {
      const receipt = await clients[step.validator].validateSubmission(
        taskA,
        submissions[step.submission_of].submission_id,
        step.result,
      );
      counts[step.submission_of] = (counts[step.submission_of] ?? 0) + 1;
      assert.deepEqual(
        { ...receipt.consensus_progress },
        {
          validations: counts[step.submission_of],
          required: S.task_a.task_data.verification_type.PeerReview.required_reviewers,
        },
      );
    }
    const expected = S.task_a.expected_after_completion;
    const details = await dev.getTaskDetails(taskA);
    assert.equal(details.status, expected.status);
    for (const miner of ["miner_1", "miner_2"] as const) {
      const submission = details.submissions.find(
        (s) => s.submission_id === submissions[miner].submission_id,
      );
      assert.equal(submission?.final_score, expected.final_scores[miner], miner);
    }
    const winner = details.rewards?.find((reward) => reward.reward_type === "winner");
    assert.equal(winner?.recipient, wallets[expected.winner as Actor].address);
    for (const actor of ACTORS) {
      const delta = (await dev.getBalance(wallets[actor].address)) - funded[actor];
      assert.equal(delta, BigInt(expected.balance_delta_since_funded[actor]), `balance delta of ${actor}`);
    }
    for (const [actor, reputation] of Object.entries(expected.reputation)) {
      assert.equal((await dev.getMinerStats(wallets[actor as Actor].address)).reputation, reputation, actor);
    }
    const sums: Record<string, bigint> = {};
    for (const reward of details.rewards ?? [])
      sums[reward.reward_type] = (sums[reward.reward_type] ?? 0n) + reward.amount;
    assert.deepEqual(
      sums,
      Object.fromEntries(
        Object.entries(expected.rewards_by_type).map(([kind, amount]) => [kind, BigInt(amount as string)]),
      ),
    );
    await assert.rejects(
      clients.validator_1.approve(taskA, submissions.miner_1.submission_id, 90, "again"),
      expectRefusal("not_accepting", NotAccepting),
    );
  });

  test("6. events over HTTP: consecutive seqs, task_a's events in order", async (t) => {
    if (nodeUrl(t) === undefined) return;
    const events: AnyNodeEvent[] = [];
    let since = startSeq;
    for (;;) {
      const page = await dev.getEvents(since, 100);
      assert.equal(page.chain_id, chain);
      events.push(...page.events);
      if (page.events.length === 0 || since >= page.head_seq) break;
      since = page.events.at(-1)?.seq ?? since;
      if (since >= page.head_seq) break;
    }
    assert.deepEqual(
      events.map((event) => event.seq),
      events.map((_event, index) => startSeq + index + 1),
      "consecutive seqs",
    );
    const names = new Set<string>(S.events_task_a);
    const ofTaskA = events.filter(
      (event) => names.has(event.event) && (event.data as { task_id?: unknown }).task_id === taskA,
    );
    assert.deepEqual(
      ofTaskA.map((event) => event.event),
      S.events_task_a,
    );
    httpEvents = events;
  });

  test("7. events over WebSocket, across a node restart", async (t) => {
    if (nodeUrl(t) === undefined) return;
    reader = new Reader(clients.publisher.events({ sinceSeq: startSeq }));
    const last = httpEvents.at(-1)?.seq ?? startSeq;
    await reader.until(`seq ${last} on the stream`, (event) => event.seq === last);
    assert.deepEqual(
      reader.events.slice(0, httpEvents.length).map((event) => [event.seq, event.event]),
      httpEvents.map((event) => [event.seq, event.event]),
    );
    // A second stream, live only, that follows a chain reset (step 9).
    restartReader = new Reader(dev.events({ onChainReset: "restart" }));
    restartReader.stream.on("chain_reset", (notice) => resetNotices.push(notice));
    await waitFor("the restart stream to subscribe", () => restartReader?.stream.chainId);

    const restarting = control("restart");
    let taskC: string | undefined;
    while (taskC === undefined) {
      try {
        taskC = (await clients.publisher.publishTask(S.task_c.task_data as TaskInput)).task_id;
      } catch (error) {
        if (!isTransient(error)) throw error;
        await sleep(50);
      }
    }
    await restarting;
    const published = await reader.until(
      "task_c's task_published",
      (event) => event.event === "task_published" && event.data.task_id === taskC,
    );
    assert.deepEqual(
      reader.events.map((event) => event.seq),
      reader.events.map((_event, index) => startSeq + index + 1),
      "no seq missing or repeated across the restart",
    );
    assert.ok(reader.stream.reconnects >= 1, "the stream reconnected by itself");
    // The stream agrees with the HTTP log about everything since step 6.
    const page = await dev.getEvents(last, 1000);
    assert.deepEqual(
      reader.events
        .filter((event) => event.seq > last && event.seq <= published.seq)
        .map((e) => [e.seq, e.event]),
      page.events.filter((event) => event.seq <= published.seq).map((e) => [e.seq, e.event]),
    );
  });

  test("8. auto-mining: an event brings a join within seconds; a scan finds what events miss", async (t) => {
    if (nodeUrl(t) === undefined) return;
    const autoMinerWallet = await Wallet.generate();
    wallets.auto_miner = autoMinerWallet;
    const miner = make(autoMinerWallet);
    clients.auto_miner = miner;
    await dev.devFaucet(autoMinerWallet.address, S.funding.faucet_amount);
    await miner.registerMiner({ registrationFee: S.funding.registration_fee });
    const config = S.auto_mining.config;
    const joinedAt = new Map<string, number>();
    const activities: MiningActivity[] = [];
    const settings = {
      targetDifficulties: config.target_difficulties,
      maxConcurrentTasks: config.max_concurrent_tasks,
      minSuccessProbability: config.min_success_probability,
      minTimeLeft: config.min_time_left,
      checkInterval: config.check_interval,
      autoSubmitSolutions: config.auto_submit_solutions,
      solver: () => ({ content: "A fixed answer, long enough to count." }),
      onActivity: (activity: MiningActivity) => {
        activities.push(activity);
        if (activity.type === "joined") joinedAt.set(activity.taskId, Date.now());
      },
    };
    let running: Promise<AutoMiningReport> = miner.startAutoMining(settings);
    await waitFor("the first scan", () => (miner.autoMiningReport?.scans ?? 0) >= 1);

    const unsuitable = await clients.publisher.publishTask(S.auto_mining.unsuitable_task as TaskInput);
    const eventTask = await clients.publisher.publishTask(S.auto_mining.event_task as TaskInput);
    const publishedAt = Date.now();
    const limitMs = S.auto_mining.join_within_seconds * 1000;
    await waitFor("the join of event_task", () => joinedAt.get(eventTask.task_id), limitMs + 1000, 20);
    const took = (joinedAt.get(eventTask.task_id) ?? Infinity) - publishedAt;
    assert.ok(took <= limitMs, `joined ${took} ms after the publish (limit ${limitMs} ms)`);
    assert.ok(
      activities.some((a) => a.type === "joined" && a.taskId === eventTask.task_id && a.via === "event"),
      "joined through the event, not the 60 s scan",
    );
    const details = await waitFor("the auto-submitted solution", async () => {
      const task = await dev.getTaskDetails(eventTask.task_id);
      return task.submissions.some((s) => s.submitter === autoMinerWallet.address) ? task : undefined;
    });
    assert.ok(details.participants.some((p) => p.miner === autoMinerWallet.address));
    miner.stopAutoMining();
    await running;
    const stillUnsuitable = await dev.getTaskDetails(unsuitable.task_id);
    assert.ok(
      !stillUnsuitable.participants.some((p) => p.miner === autoMinerWallet.address),
      "never joined unsuitable_task",
    );

    running = miner.startAutoMining({
      ...settings,
      checkInterval: S.auto_mining.scan_config.check_interval,
      useEvents: S.auto_mining.scan_config.use_events,
    });
    await waitFor("the first scan of the second run", () => (miner.autoMiningReport?.scans ?? 0) >= 1);
    const scanTask = await clients.publisher.publishTask(S.auto_mining.scan_task as TaskInput);
    const scanPublishedAt = Date.now();
    const scanLimitMs = S.auto_mining.scan_join_within_seconds * 1000;
    await waitFor(
      "the scan's join of scan_task",
      () => joinedAt.get(scanTask.task_id),
      scanLimitMs + 1000,
      20,
    );
    assert.ok((joinedAt.get(scanTask.task_id) ?? Infinity) - scanPublishedAt <= scanLimitMs);
    assert.ok(
      activities.some((a) => a.type === "joined" && a.taskId === scanTask.task_id && a.via === "scan"),
    );

    const stopping = Date.now();
    miner.stopAutoMining();
    await running;
    assert.ok(Date.now() - stopping < 3000, "the loop stops within a few seconds");
    const joinedBefore = miner.autoMiningReport?.joined.length;
    const late = await clients.publisher.publishTask({
      ...(S.auto_mining.scan_task as TaskInput),
      title: "Conformance: after the loop stopped",
    });
    await sleep(S.auto_mining.scan_config.check_interval * 1000 + 500);
    assert.equal(miner.autoMiningReport?.joined.length, joinedBefore);
    assert.equal(
      (await dev.getTaskDetails(late.task_id)).participants_count,
      0,
      "nothing joined after the stop",
    );
    // Leave nothing open for the next client's auto-miner.
    await clients.publisher.cancelTask(late.task_id);
  });

  test("9. chain reset: the stream says so; writes are signed for the new chain", async (t) => {
    if (nodeUrl(t) === undefined || reader === undefined || restartReader === undefined) return;
    const head = (await dev.getInfo()).head_seq;
    await waitFor("the stream to catch up with the head", () => reader?.stream.lastSeq === head);
    const cursor = reader.stream.lastSeq;
    assert.equal(reader.stream.chainId, chain);
    await control("reset");
    await reader.done;
    assert.ok(reader.error instanceof ChainReset, `expected ChainReset, got ${String(reader.error)}`);
    assert.equal(reader.error.oldChainId, chain);
    const newChain = (await dev.getInfo()).chain_id;
    assert.notEqual(newChain, chain);
    assert.equal(reader.error.newChainId, newChain);
    assert.equal(reader.error.lastSeq, cursor);

    // The restart stream follows the new chain from seq 0: its first events arrive in order.
    await waitFor("the chain_reset notice", () => resetNotices.length > 0);
    assert.deepEqual(resetNotices[0], {
      oldChainId: chain,
      newChainId: newChain,
      lastSeq: resetNotices[0]?.lastSeq,
    });
    const before = restartReader.events.length;
    const fresh = await dev.publishTask({
      title: "Conformance: the first task of a new chain",
      task_type: "GeneralTask",
      difficulty_level: "Intermediate",
      reward_amount: "20000000000",
    });
    await dev.cancelTask(fresh.task_id);
    const onNewChain = await waitFor("the new chain's events on the restart stream", () => {
      const events = restartReader?.events.slice(before) ?? [];
      return events.some((e) => e.event === "task_cancelled") ? events : undefined;
    });
    const page = await dev.getEvents(0, 1000);
    assert.deepEqual(
      onNewChain.map((e) => [e.seq, e.event]),
      page.events.filter((e) => e.seq <= (onNewChain.at(-1)?.seq ?? 0)).map((e) => [e.seq, e.event]),
    );
    assert.equal(onNewChain[0]?.seq, 1);
    assert.equal(restartReader.stream.chainId, newChain);

    // publisher signed on the old chain; its next write is signed for the new one and refused for money.
    await assert.rejects(
      clients.publisher.publishTask(S.task_c.task_data as TaskInput),
      expectRefusal("insufficient_funds", InsufficientFunds),
    );
    assert.equal((await clients.publisher.chain()).chainId, newChain);
  });
});
