/**
 * The TOS design's own JavaScript example (read from tos-design-examples.md, never copied here):
 * its axios-based class runs unchanged against the node, and its usage lines run unchanged with this
 * package's `TOSAIClient`. The only change a test makes is the node's URL.
 */

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  AutoMiner,
  type AutoMiningConfig,
  type MiningActivity,
  type TaskInput,
  TOSAIClient,
} from "../src/index.js";
import { control, DESIGN_EXAMPLES_CANDIDATES, nodeUrl, PACKAGE_DIR, waitFor } from "./support.js";

const examplesPath = DESIGN_EXAMPLES_CANDIDATES.find((path) => existsSync(path));

/** The ```javascript block under the design's "JavaScript/Node.js client example" heading. */
function designExample(): string {
  if (examplesPath === undefined)
    throw new Error(`no tos-design-examples.md at ${DESIGN_EXAMPLES_CANDIDATES.join(", ")}`);
  const text = readFileSync(examplesPath, "utf8");
  const heading = text.indexOf("## JavaScript/Node.js client example");
  assert.ok(heading >= 0, "the design's JavaScript example heading");
  const start = text.indexOf("```javascript\n", heading);
  const end = text.indexOf("\n```", start + 1);
  return text.slice(start + "```javascript\n".length, end + 1);
}

/** Only the URL changes: the example's default `http://localhost:8545`, exactly once. */
function pointAt(code: string, from: string, to: string): string {
  const parts = code.split(from);
  assert.equal(parts.length, 2, `expected exactly one ${from} in the example`);
  return parts.join(to);
}

const children: ChildProcess[] = [];
function run(file: string): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, [file], { cwd: PACKAGE_DIR, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  children.push(child);
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

const SCRATCH = join(PACKAGE_DIR, ".test-build", "design");

/** A task the design's usage config takes: Intermediate, a stake of 5,000,000,000 allowed, days left. */
const suitable = (title: string): TaskInput => ({
  title,
  description: "A task the TOS design's example miner should take at once.",
  task_type: { CodeAnalysis: { language: "rust" } },
  reward_amount: "20000000000",
  difficulty_level: "Intermediate",
  max_participants: 2,
});

describe("the TOS design's JavaScript example", () => {
  after(async () => {
    for (const child of children) await stop(child);
  });

  test("is read from the design's document", (t) => {
    if (examplesPath === undefined) {
      t.skip(`tos-design-examples.md not found (looked at ${DESIGN_EXAMPLES_CANDIDATES.join(", ")})`);
      return;
    }
    const code = designExample();
    assert.match(code, /class TOSAIClient/);
    assert.match(code, /\/\/ Usage\n/);
  });

  test("its own axios-based class runs unchanged against the node and joins a suitable task", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined || examplesPath === undefined) return;
    const [, publisherAccount] = await new TOSAIClient(url).devAccounts();
    const publisher = new TOSAIClient(url, { sender: publisherAccount?.address });
    const dev0 = (await publisher.devAccounts())[0]?.address;
    const task = await publisher.publishTask(suitable("Design example: join me with your axios class"));
    mkdirSync(SCRATCH, { recursive: true });
    const file = join(SCRATCH, "tos-ai-client.cjs");
    writeFileSync(file, pointAt(designExample(), "'http://localhost:8545'", `'${url}'`));
    const { child, output } = run(file);
    const joined = await waitFor(
      "the example to join the task",
      async () => (await publisher.getTaskDetails(task.task_id)).participants.find((p) => p.miner === dev0),
      15_000,
      100,
    );
    assert.equal(joined.stake_amount, 5_000_000_000n, "the usage's stakeAmount");
    assert.match(output(), /Starting JavaScript AI mining client/);
    await stop(child);
  });

  test("its usage lines run unchanged with this package's TOSAIClient, taking announced tasks at once", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined || examplesPath === undefined) return;
    const [, publisherAccount] = await new TOSAIClient(url).devAccounts();
    const publisher = new TOSAIClient(url, { sender: publisherAccount?.address });
    const dev0 = (await publisher.devAccounts())[0]?.address;
    const older = await publisher.publishTask(suitable("Design usage: found by the first scan"));
    const code = designExample();
    const usage = code.slice(code.indexOf("// Usage\n"));
    mkdirSync(SCRATCH, { recursive: true });
    const file = join(SCRATCH, "usage.mjs");
    // The package by its own name, through its exports map (the built dist/), as a user imports it.
    writeFileSync(
      file,
      `import { TOSAIClient } from "tos-ai";\n${pointAt(usage, "new TOSAIClient()", `new TOSAIClient("${url}")`)}`,
    );
    const { child, output } = run(file);
    const joinedBy = async (taskId: string) =>
      (await publisher.getTaskDetails(taskId)).participants.find((p) => p.miner === dev0);
    await waitFor("the first scan to join the older task", () => joinedBy(older.task_id), 15_000, 100);
    const fresh = await publisher.publishTask(suitable("Design usage: announced by task_published"));
    const publishedAt = Date.now();
    const joined = await waitFor("the announced task to be joined", () => joinedBy(fresh.task_id), 5_000, 20);
    const took = Date.now() - publishedAt;
    assert.ok(
      took <= 2000,
      `joined ${took} ms after the publish; checkInterval is 60 s, so the event did it`,
    );
    assert.equal(joined.stake_amount, 5_000_000_000n);
    await stop(child);
    assert.doesNotMatch(output(), /Error/, output());
  });
});

describe("startAutoMining's loop, the design's timings", () => {
  test("scans every checkInterval seconds (default 60) and waits 30 s after an error (defaults)", () => {
    const miner = new AutoMiner(new TOSAIClient(), { targetDifficulties: ["Beginner"] });
    assert.equal(miner.checkInterval, 60);
    assert.equal(miner.errorPause, 30);
  });

  test("after a failed scan it waits errorPause, not checkInterval, then recovers", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const requests: number[] = [];
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(Date.now());
      return fetch(input, init);
    }) as typeof fetch;
    const client = new TOSAIClient(url, { fetch: counting, retry: false });
    const activity: Array<MiningActivity & { at: number }> = [];
    const config: AutoMiningConfig = {
      targetDifficulties: ["Expert"],
      checkInterval: 60,
      errorPause: 1, // the design's 30 s, shortened by the test
      useEvents: false,
      onActivity: (entry) => activity.push({ ...entry, at: Date.now() }),
    };
    await control("stop");
    let running: Promise<unknown> | undefined;
    try {
      running = client.startAutoMining(config);
      await waitFor("two failed scans", () => activity.filter((a) => a.type === "error").length >= 2, 10_000);
    } finally {
      await control("start");
    }
    const [first, second] = activity.filter((a) => a.type === "error");
    assert.ok(first !== undefined && second !== undefined);
    const retry = requests.find((at) => at > first.at) ?? Number.POSITIVE_INFINITY;
    assert.ok(retry - first.at >= 1000, `the next scan began ${retry - first.at} ms after the error`);
    assert.ok(retry - first.at < 5000, "and not after the 60 s check interval");
    await waitFor("a scan after the node is back", () => activity.some((a) => a.type === "scan"), 10_000);
    client.stopAutoMining();
    await running;
  });
});
