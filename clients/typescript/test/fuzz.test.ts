/**
 * A standing check on reply validation: valid replies of every shape, mutated at random (a field
 * dropped, or swapped for a value of another type), either parse or raise a NodeResponseError naming
 * the method and a field under `result`, never a TypeError from deep inside. Seeded and bounded.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { canonicalJson, NodeResponseError, parseEvent, Transport } from "../src/index.js";
import {
  int,
  list,
  type Parser,
  parseMinerStats,
  parseNetworkInfo,
  parseNodeInfo,
  parseTaskDetails,
  parseTaskSummary,
  record,
  str,
} from "../src/records.js";

const SEED = Number(process.env.TOS_PROPERTY_SEED ?? 7);
const CASES = Number(process.env.TOS_PROPERTY_CASES ?? 3000);

const ADDRESS = "tst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqk9xlp6";
const ID = "ab".repeat(32);
const SUMMARY = {
  task_id: ID,
  title: "A task",
  task_type: { CodeAnalysis: { language: "rust" } },
  difficulty_level: "Intermediate",
  reward_amount: "20000000000",
  stake_required: "2000000000",
  deadline: 1800000000,
  time_left: 7200,
  participants_count: 1,
  max_participants: 2,
  submissions_count: 1,
  publisher: ADDRESS,
  status: "InProgress",
};
const DETAILS = {
  ...SUMMARY,
  description: "Rewrite the routine.",
  verification_type: { PeerReview: { required_reviewers: 2, consensus_threshold: 0.67 } },
  required_reviewers: 2,
  quality_threshold: 70,
  created_at: 1799990000,
  completed_at: null,
  validation_deadline: 1800086400,
  escrow: "20000000000",
  participants: [
    {
      participation_id: ID,
      miner: ADDRESS,
      stake_amount: "2000000000",
      joined_at: 1,
      submission_id: ID,
      stake_outcome: null,
    },
  ],
  submissions: [
    {
      submission_id: ID,
      submitter: ADDRESS,
      answer_hash: ID,
      submitted_at: 2,
      solution_data: { content: "An answer." },
      validations: [
        {
          validation_id: ID,
          validator: ADDRESS,
          quality_score: 90,
          verdict: "Approve",
          reasoning: "ok",
          evidence: null,
          timestamp: 3,
        },
      ],
      validations_count: 1,
      required_reviewers: 2,
      final_score: null,
      passed: null,
    },
  ],
  rewards: [{ recipient: ADDRESS, amount: "13000000000", reward_type: "winner" }],
};

const SHAPES: Array<[string, unknown, Parser<unknown>]> = [
  ["ai_get_task_details", DETAILS, parseTaskDetails],
  ["ai_list_active_tasks", [SUMMARY, SUMMARY], list(parseTaskSummary)],
  [
    "ai_get_miner_stats",
    {
      miner_address: ADDRESS,
      is_registered: true,
      reputation: 500,
      tasks_published: 0,
      tasks_participated: 1,
      submissions: 1,
      wins: 0,
      validations: 0,
      total_earnings: "0",
      current_stake: "2000000000",
      balance: "1",
      registered_at: 5,
      specializations: ["rust"],
    },
    parseMinerStats,
  ],
  [
    "get_network_info",
    {
      active_tasks: 1,
      total_miners: 2,
      online_miners: 1,
      total_rewards_distributed: "0",
      average_task_completion_time: 0,
      network: "devnet",
      topoheight: 1,
      timestamp: 1,
    },
    parseNetworkInfo,
  ],
  [
    "get_info",
    {
      height: 1,
      topoheight: 1,
      version: "v",
      network: "devnet",
      timestamp: 1,
      head_seq: 3,
      chain_id: "c",
      require_signatures: false,
    },
    parseNodeInfo,
  ],
  [
    "ai_get_events",
    {
      events: [
        {
          event: "participant_joined",
          seq: 1,
          topoheight: 1,
          timestamp: 1,
          data: {
            task_id: ID,
            participation_id: ID,
            miner: ADDRESS,
            stake_amount: "1",
            participants_count: 1,
          },
        },
        {
          event: "task_completed",
          seq: 2,
          topoheight: 1,
          timestamp: 1,
          data: {
            task_id: ID,
            winner: null,
            winning_submission_id: null,
            final_scores: { [ID]: null },
            rewards: [],
          },
        },
      ],
      head_seq: 2,
      oldest_seq: 1,
      chain_id: "c",
    },
    record({ events: list(parseEvent), head_seq: int, chain_id: str }),
  ],
];

function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

const JUNK: unknown[] = [null, "", "x", "-1", "1.5", 0, -1, 1.5, 2 ** 60, true, [], {}, [1], { a: 1 }];

/** Every path to a value inside `value` (objects and arrays). */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== "object" || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))];
}

function mutate(value: unknown, path: Array<string | number>, next: () => number): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  if (path.length === 0) return JUNK[Math.floor(next() * JUNK.length)];
  let parent: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (next() < 0.3 && !Array.isArray(parent)) delete parent[last];
  else parent[last] = JUNK[Math.floor(next() * JUNK.length)];
  return copy;
}

test("mutated replies parse or raise NodeResponseError naming the method and a result field", () => {
  const next = generator(SEED);
  const transport = new Transport("http://node");
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const [method, sample, parse] = SHAPES[i % SHAPES.length] as [string, unknown, Parser<unknown>];
    const all = paths(sample);
    const path = all[Math.floor(next() * all.length)] ?? [];
    const reply = canonicalJson({ jsonrpc: "2.0", id: 1, result: mutate(sample, path, next) });
    try {
      transport.reply(method, 1, 200, reply, null, parse);
    } catch (error) {
      assert.ok(
        error instanceof NodeResponseError,
        `case ${i} (seed ${SEED}) at ${path.join(".")}: ${String(error)}`,
      );
      assert.equal(error.method, method);
      assert.match(error.field, /^result/, `case ${i}`);
      refused++;
    }
  }
  assert.ok(refused > CASES / 3, `most mutations are refused (${refused} of ${CASES})`);
});

test("the unmutated samples parse", () => {
  const transport = new Transport("http://node");
  for (const [method, sample, parse] of SHAPES) {
    transport.reply(method, 1, 200, canonicalJson({ jsonrpc: "2.0", id: 1, result: sample }), null, parse);
  }
});
