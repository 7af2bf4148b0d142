/**
 * The replies of the node API, typed, and the parsers that check them at the edge.
 *
 * Every reply is checked field by field when it arrives: a missing or ill-typed field throws `Malformed`
 * naming its path, which the client turns into a `NodeResponseError` naming the method. Field names are
 * the node's (snake_case, as in docs/node-api.md); amounts become `bigint`. Fields this package does not
 * know are kept as the node sent them.
 */

import type { JsonValue } from "./json.js";
import type { DifficultyLevel, TASK_STATUSES, TaskType } from "./values.js";

/** A reply field that does not match what the API promises. */
export class Malformed extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

export type Parser<T> = (value: unknown, path: string) => T;

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && value !== null) return kind(value);
  return JSON.stringify(value) ?? kind(value);
}

export const str: Parser<string> = (value, path) => {
  if (typeof value !== "string") throw new Malformed(path, `expected a string, got ${kind(value)}`);
  return value;
};

export const int: Parser<number> = (value, path) => {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new Malformed(path, `expected an integer, got ${kind(value) === "number" ? value : kind(value)}`);
  }
  return value;
};

export const num: Parser<number> = (value, path) => {
  if (typeof value !== "number") throw new Malformed(path, `expected a number, got ${kind(value)}`);
  return value;
};

export const bool: Parser<boolean> = (value, path) => {
  if (typeof value !== "boolean") throw new Malformed(path, `expected true or false, got ${kind(value)}`);
  return value;
};

const DIGITS = /^[0-9]+$/;

/** An amount: a decimal string (as results send them) or a JSON integer (the daemon-compatible reads). */
export const amount: Parser<bigint> = (value, path) => {
  if (typeof value === "string" && DIGITS.test(value)) return BigInt(value);
  if (typeof value === "bigint" && value >= 0n) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new Malformed(path, `expected an amount (a decimal string), got ${show(value)}`);
};

/** Any JSON value, kept as sent. */
export const json: Parser<JsonValue> = (value) => value as JsonValue;

export const object: Parser<Record<string, JsonValue>> = (value, path) => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Malformed(path, `expected an object, got ${kind(value)}`);
  }
  return value as Record<string, JsonValue>;
};

export function oneOf<const T extends string>(values: readonly T[]): Parser<T> {
  return (value, path) => {
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      throw new Malformed(path, `expected one of ${values.join(", ")}, got ${show(value)}`);
    }
    return value as T;
  };
}

export function nullable<T>(inner: Parser<T>): Parser<T | null> {
  return (value, path) => (value === null ? null : inner(value, path));
}

export function list<T>(item: Parser<T>): Parser<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new Malformed(path, `expected a list, got ${kind(value)}`);
    return value.map((entry, index) => item(entry, `${path}[${index}]`));
  };
}

export function mapOf<T>(item: Parser<T>): Parser<Record<string, T>> {
  return (value, path) => {
    const source = object(value, path);
    const result: Record<string, T> = {};
    for (const [key, entry] of Object.entries(source)) result[key] = item(entry, `${path}.${key}`);
    return result;
  };
}

type Shape = Record<string, Parser<unknown>>;
type Parsed<S extends Shape> = { -readonly [K in keyof S]: S[K] extends Parser<infer T> ? T : never };

/** What `record(required, optional)` yields: the required fields, and the optional ones when present. */
export type Infer<R extends Shape, O extends Shape = Record<never, never>> = Parsed<R> & Partial<Parsed<O>>;

/**
 * A parser of a JSON object: every `required` field must be there and parse; `optional` ones may be
 * missing (a present one must parse). Unknown fields are kept as sent.
 */
export function record<R extends Shape, O extends Shape = Record<never, never>>(
  required: R,
  optional?: O,
): Parser<Infer<R, O>> {
  const requiredEntries = Object.entries(required);
  const optionalEntries = Object.entries(optional ?? {});
  return (value, path) => {
    const source = object(value, path);
    const result: Record<string, unknown> = { ...source };
    for (const [name, parse] of requiredEntries) {
      if (!(name in source)) throw new Malformed(`${path}.${name}`, "missing");
      result[name] = parse(source[name], `${path}.${name}`);
    }
    for (const [name, parse] of optionalEntries) {
      if (name in source) result[name] = parse(source[name], `${path}.${name}`);
    }
    return result as Infer<R, O>;
  };
}

const difficulty = str as Parser<DifficultyLevel>;
const taskType = json as Parser<TaskType | JsonValue> as Parser<TaskType>;

/** Task statuses as the node names them. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
const status = str as Parser<TaskStatus>;

// --- network ---------------------------------------------------------------------------------------------

const networkInfoFields = {
  active_tasks: int,
  total_miners: int,
  online_miners: int,
  total_rewards_distributed: amount,
  average_task_completion_time: num,
  network: str,
  topoheight: int,
  timestamp: int,
};
export const parseNetworkInfo = record(networkInfoFields);
/** `get_network_info` / `ai_get_network_info`. */
export interface NetworkInfo extends Infer<typeof networkInfoFields> {}

const nodeInfoFields = {
  height: int,
  topoheight: int,
  version: str,
  network: str,
  timestamp: int,
  head_seq: int,
  chain_id: str,
  require_signatures: bool,
};
const nodeInfoOptional = { time_offset: int, block_time: num };
export const parseNodeInfo = record(nodeInfoFields, nodeInfoOptional);
/** `get_info`: height, version, network, the node's clock, the event head and the chain id. */
export interface NodeInfo extends Infer<typeof nodeInfoFields, typeof nodeInfoOptional> {}

const balanceFields = { address: str, balance: amount, topoheight: int };
export const parseBalance = record(balanceFields);
/** `get_balance`. */
export interface Balance extends Infer<typeof balanceFields> {}

const nonceInfoFields = { address: str, nonce: int, topoheight: int };
export const parseNonce = record(nonceInfoFields);
/** `get_nonce`. */
export interface NonceInfo extends Infer<typeof nonceInfoFields> {}

// --- tasks -----------------------------------------------------------------------------------------------

const summaryFields = {
  task_id: str,
  title: str,
  task_type: taskType,
  difficulty_level: difficulty,
  reward_amount: amount,
  stake_required: amount,
  deadline: int,
  time_left: int,
  participants_count: int,
  max_participants: int,
  submissions_count: int,
  publisher: str,
  status,
};

export const parseTaskSummary = record(summaryFields);
/** One entry of `ai_list_active_tasks`. */
export interface TaskSummary extends Infer<typeof summaryFields> {}

const validationFields = {
  validation_id: str,
  validator: str,
  quality_score: int,
  verdict: oneOf(["Approve", "Reject"] as const),
};
const validationOptional = { reasoning: nullable(str), evidence: json, timestamp: int };
export const parseValidation = record(validationFields, validationOptional);
/** One validation of a submission, inside task details. */
export interface Validation extends Infer<typeof validationFields, typeof validationOptional> {}

const submissionFields = {
  submission_id: str,
  submitter: str,
  answer_hash: str,
  validations: list(parseValidation),
  final_score: nullable(int),
  passed: nullable(bool),
};
const submissionOptional = {
  submitted_at: int,
  solution_data: json,
  validations_count: int,
  required_reviewers: int,
};
export const parseSubmission = record(submissionFields, submissionOptional);
/** One submission inside `ai_get_task_details`. */
export interface Submission extends Infer<typeof submissionFields, typeof submissionOptional> {}

const participantFields = {
  participation_id: str,
  miner: str,
  stake_amount: amount,
  submission_id: nullable(str),
};
const participantOptional = { joined_at: int, stake_outcome: nullable(str) };
export const parseParticipant = record(participantFields, participantOptional);
/** One participant inside `ai_get_task_details`. */
export interface Participant extends Infer<typeof participantFields, typeof participantOptional> {}

const rewardFields = { recipient: str, amount, reward_type: str };
export const parseReward = record(rewardFields);
/** One credit paid out at completion. */
export interface Reward extends Infer<typeof rewardFields> {}

const detailFields = {
  ...summaryFields,
  description: str,
  verification_type: json,
  required_reviewers: int,
  quality_threshold: int,
  created_at: int,
  completed_at: nullable(int),
  validation_deadline: int,
  escrow: amount,
  participants: list(parseParticipant),
  submissions: list(parseSubmission),
};
const detailOptional = { rewards: list(parseReward) };
export const parseTaskDetails = record(detailFields, detailOptional);
/** `ai_get_task_details` (and `get_ai_mining_task`): the summary plus everything about the task. */
export interface TaskDetails extends Infer<typeof detailFields, typeof detailOptional> {}

// --- writes ----------------------------------------------------------------------------------------------

const publishedTaskFields = { task_id: str, status: str, deadline: int };
export const parsePublishedTask = record(publishedTaskFields);
/** `ai_publish_task`. */
export interface PublishedTask extends Infer<typeof publishedTaskFields> {}

const minerRegistrationFields = { miner_address: str, reputation: int };
export const parseMinerRegistration = record(minerRegistrationFields);
/** `ai_register_miner`. */
export interface MinerRegistration extends Infer<typeof minerRegistrationFields> {}

const participationFields = { participation_id: str, task_id: str, stake_amount: amount };
export const parseParticipation = record(participationFields);
/** `ai_participate_task`. */
export interface Participation extends Infer<typeof participationFields> {}

const submissionReceiptFields = { submission_id: str, answer_hash: str, status: str };
export const parseSubmissionReceipt = record(submissionReceiptFields);
/** `ai_submit_solution`. */
export interface SubmissionReceipt extends Infer<typeof submissionReceiptFields> {}

const consensusProgressFields = { validations: int, required: int };
const parseProgress = record(consensusProgressFields);
/** How many validations a submission has, of how many it needs. */
export interface ConsensusProgress extends Infer<typeof consensusProgressFields> {}

const validationReceiptFields = { validation_id: str, consensus_progress: parseProgress };
export const parseValidationReceipt = record(validationReceiptFields);
/** `ai_validate_submission`. */
export interface ValidationReceipt extends Infer<typeof validationReceiptFields> {}

const cancelledTaskFields = { task_id: str, status: str, refunded: amount };
export const parseCancelledTask = record(cancelledTaskFields);
/** `ai_cancel_task`. */
export interface CancelledTask extends Infer<typeof cancelledTaskFields> {}

// --- miners ----------------------------------------------------------------------------------------------

const minerStatsFields = {
  miner_address: str,
  is_registered: bool,
  reputation: int,
  tasks_published: int,
  tasks_participated: int,
  submissions: int,
  wins: int,
  validations: int,
  total_earnings: amount,
  current_stake: amount,
  balance: amount,
  registered_at: nullable(int),
  specializations: list(str),
};
export const parseMinerStats = record(minerStatsFields);
/** `ai_get_miner_stats`. */
export interface MinerStats extends Infer<typeof minerStatsFields> {}

// --- the daemon-compatible reads (plain integers where the daemon has u64) --------------------------------

const miningStatisticsFields = {
  total_tasks: int,
  active_tasks: int,
  completed_tasks: int,
  total_miners: int,
  total_rewards_distributed: amount,
  total_staked: amount,
};
export const parseMiningStatistics = record(miningStatisticsFields);
/** `get_ai_mining_statistics`. */
export interface MiningStatistics extends Infer<typeof miningStatisticsFields> {}

const daemonMinerFields = {
  address: str,
  reputation: int,
  registration_fee: amount,
  registered_at: nullable(int),
  specializations: list(str),
  tasks_completed: int,
  tasks_participated: int,
  validations: int,
  total_earnings: amount,
  current_stake: amount,
};
export const parseDaemonMiner = record(daemonMinerFields);
/** `get_ai_mining_miner`. */
export interface DaemonMiner extends Infer<typeof daemonMinerFields> {}

export const parseActiveTaskMap = mapOf(parseTaskSummary);

export const parseMiningState = record({
  tasks: mapOf(parseTaskDetails),
  next_offset: nullable(int),
  miners: mapOf(parseDaemonMiner),
  statistics: parseMiningStatistics,
});
/** `get_ai_mining_state`: a page of tasks in full (oldest first), every miner, and the statistics. */
export interface MiningState {
  tasks: Record<string, TaskDetails>;
  /** The offset of the next page of tasks; null after the last. */
  next_offset: number | null;
  miners: Record<string, DaemonMiner>;
  statistics: MiningStatistics;
}

// --- dev mode --------------------------------------------------------------------------------------------

const devAccountFields = { index: int, address: str, balance: amount };
const devAccountOptional = { private_key: str };
export const parseDevAccount = record(devAccountFields, devAccountOptional);
/** One entry of `dev_accounts`; a node that requires signatures never serves `private_key`. */
export interface DevAccount extends Infer<typeof devAccountFields, typeof devAccountOptional> {}

const faucetReceiptFields = { address: str, balance: amount };
export const parseFaucet = record(faucetReceiptFields);
/** `dev_faucet`: the account's new balance. */
export interface FaucetReceipt extends Infer<typeof faucetReceiptFields> {}

const minedBlocksFields = { topoheight: int, timestamp: int };
export const parseMined = record(minedBlocksFields);
/** `dev_mine`. */
export interface MinedBlocks extends Infer<typeof minedBlocksFields> {}

// --- the protocol's rules --------------------------------------------------------------------------------

const reputationMinimumFields = { publish: int, participate: int, submit: int, validate: int };
const difficultyLevelFields = {
  name: difficulty,
  min_reward: amount,
  max_reward: amount,
  default_deadline_seconds: int,
  min_reputation: record(reputationMinimumFields),
};
/** One difficulty level: its reward range (inclusive), default deadline and reputation minimums per action. */
export interface DifficultyRule extends Infer<typeof difficultyLevelFields> {}

const taskTypeRuleFields = {
  name: str,
  detail: str,
  detail_type: oneOf(["string", "integer"] as const),
  detail_min: int,
  detail_max: int,
};
/** A task type and its one detail: a string of `detail_min..detail_max` characters, or an integer in it. */
export interface TaskTypeRule extends Infer<typeof taskTypeRuleFields> {}

const rulesFields = {
  amounts: record({
    atomic_per_tos: amount,
    decimals: int,
    max_supply: amount,
    faucet_cap: amount,
    min_registration_fee: amount,
  }),
  difficulty_levels: list(record(difficultyLevelFields)),
  stake: record({ min_divisor: amount, max_divisor: amount }),
  reputation: record({
    min: int,
    max: int,
    start: int,
    deltas: mapOf(int),
    validation_close_points: int,
  }),
  reward_split: record({
    winner_percent: int,
    others_percent: int,
    validators_percent: int,
    network_percent: int,
  }),
  slash: record({ percent: int, keep_score: int }),
  quality: record({ default_threshold: int, min_score: int, max_score: int }),
  content: record({
    min_content_bytes: int,
    max_title_bytes: int,
    max_description_bytes: int,
    max_solution_bytes: int,
    max_participants: int,
    default_max_participants: int,
  }),
  deadlines: record({ max_seconds: int, validation_window_seconds: int }),
  rate_limits: record({ window_seconds: int, per_window: nullable(mapOf(int)) }),
  transport: record({
    max_body_bytes: int,
    max_batch: int,
    max_reply_bytes: int,
    max_page_limit: int,
    max_state_tasks: int,
    events_kept: int,
  }),
  task_types: list(record(taskTypeRuleFields)),
  verification: record({ types: list(str), default: json, max_reviewers: int }),
  statuses: record({
    all: list(status),
    active: list(status),
    open: list(status),
    validatable: list(status),
  }),
  events: list(str),
};
export const parseRules = record(rulesFields);
/**
 * `ai_get_rules`: the protocol's rules as the node applies them. Amounts (and `atomic_per_tos`, the stake
 * divisors) are bigint; `rate_limits.per_window` is null when the node runs without rate limits.
 */
export interface Rules extends Infer<typeof rulesFields> {}
