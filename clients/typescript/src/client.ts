/**
 * `TOSAIClient`: every method of the node API (docs/node-api.md), typed, over one transport.
 *
 * Writes act for one account: with a `wallet` they are signed (the client reads the chain id and the
 * account's nonce itself, and serialises its own signed writes per account so concurrent calls never
 * reuse a nonce); without one they are dev-mode writes for `sender`, or for the node's dev account 0.
 * The class keeps the TOS design's JavaScript surface: `rpcCall(method, params)`,
 * `participateTask(taskId, stakeAmount)` and `startAutoMining(config)`.
 */

import { ArgumentError, type TOSError, WrongChain } from "./errors.js";
import {
  type AnyNodeEvent,
  type EventMap,
  type EventName,
  EventStream,
  type EventStreamOptions,
  type NodeEvent,
  parseEvent,
  type WebSocketFactory,
  type WebSocketLike,
} from "./events.js";
import type { JsonValue } from "./json.js";
import { AutoMiner, type AutoMiningConfig, type AutoMiningReport } from "./mining.js";
import { NonceBook } from "./nonces.js";
import {
  bool,
  type CancelledTask,
  type DaemonMiner,
  type DevAccount,
  type FaucetReceipt,
  int,
  json,
  list,
  type MinedBlocks,
  type MinerRegistration,
  type MinerStats,
  type MiningState,
  type MiningStatistics,
  type NetworkInfo,
  type NodeInfo,
  type Parser,
  type Participation,
  type PublishedTask,
  parseActiveTaskMap,
  parseBalance,
  parseCancelledTask,
  parseDaemonMiner,
  parseDevAccount,
  parseFaucet,
  parseMined,
  parseMinerRegistration,
  parseMinerStats,
  parseMiningState,
  parseMiningStatistics,
  parseNetworkInfo,
  parseNodeInfo,
  parseNonce,
  parseParticipation,
  parsePublishedTask,
  parseRules,
  parseSubmissionReceipt,
  parseTaskDetails,
  parseTaskSummary,
  parseValidationReceipt,
  type Rules,
  record,
  type SubmissionReceipt,
  str,
  type TaskDetails,
  type TaskSummary,
  type ValidationReceipt,
} from "./records.js";
import { ACCOUNT_WRITES, Transport, type TransportOptions } from "./transport.js";
import {
  type AmountInput,
  amountParam,
  checkAddress,
  checkId,
  type DifficultyLevel,
  normalizeTaskType,
  type TaskTypeInput,
} from "./values.js";
import type { ChainBinding, Wallet } from "./wallet.js";

export const DEFAULT_RPC_URL = "http://localhost:8545";

/** The event WebSocket (`/ai/ws`) of the node serving `rpcUrl`. */
export function wsUrlFor(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "").replace(/\/json_rpc$/, "")}/ai/ws`;
  url.search = "";
  url.hash = "";
  return url.toString();
}

/** The platform's WebSocket (browsers, Node.js 22+), else the `ws` package (Node.js 20). */
export const defaultWebSocket: WebSocketFactory = async (url) => {
  const Native = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (Native !== undefined) return new Native(url);
  const { WebSocket } = await import("ws");
  // No permessage-deflate: events are small, and inflating each one on Node's zlib thread pool cost more
  // CPU than everything else the stream does (half the client's time in bench/clients_bench.py).
  return new WebSocket(url, {
    maxPayload: 4 * 1024 * 1024,
    perMessageDeflate: false,
  }) as unknown as WebSocketLike;
};

export interface ClientOptions extends TransportOptions {
  /** Signs every write; its address is the account the client acts for. */
  wallet?: Wallet;
  /** Without a wallet: the unlocked dev account writes act for (`from`); default the node's dev account 0. */
  sender?: string;
  /** The event WebSocket URL (default: `/ai/ws` of `rpcUrl`). */
  wsUrl?: string;
  /** How to open a WebSocket (default `defaultWebSocket`). */
  webSocket?: WebSocketFactory;
  /**
   * Sign only for this chain id. Without it the client follows the node: it reads `get_info` before its
   * first signed write, and when a write is refused as signed for another chain (a reset devnet; such a
   * refusal changes nothing) it reads the chain id again and sends the write once more, signed for it.
   */
  chainId?: string;
}

/** A task to publish (`ai_publish_task`'s `task_data`); what is left out takes the node's defaults. */
export interface TaskInput {
  task_type: TaskTypeInput;
  reward_amount: AmountInput;
  title?: string;
  description?: string;
  difficulty_level?: DifficultyLevel;
  stake_required?: AmountInput;
  /** Unix seconds on the node's clock; or give `deadline_hours`. */
  deadline?: number;
  deadline_hours?: number;
  max_participants?: number;
  verification_type?: JsonValue;
  quality_threshold?: number;
}

/** A miner's answer: `content` (at least 10 bytes) is required. */
export interface TaskSolution {
  content: string;
  code?: string;
  documentation?: string;
  test_results?: JsonValue;
  performance_metrics?: JsonValue;
}

/** A verdict on a submission. */
export type ValidationResult =
  | { Approve: { quality_score: number; reasoning?: string } }
  | { Reject: { reason?: string; evidence?: JsonValue } };

export interface TaskFilters {
  task_type?: string;
  difficulty_level?: DifficultyLevel;
  min_reward?: AmountInput;
  publisher?: string;
  status?: "Published" | "InProgress" | "UnderValidation";
}

export interface ListQuery {
  filters?: TaskFilters;
  sortBy?: "created_at" | "deadline" | "time_left" | "reward_amount" | "participants_count";
  sortOrder?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

/** `ai_get_events`: a page of events and the bounds of what the node keeps. */
export interface EventsPage {
  events: AnyNodeEvent[];
  head_seq: number;
  oldest_seq: number;
  chain_id: string;
  /** Events between `since_seq` and `oldest_seq` are gone: reload state from reads, then follow on. */
  resync_required: boolean;
}

const parseEventsPage: Parser<EventsPage> = record({
  events: list(parseEvent),
  head_seq: int,
  oldest_seq: int,
  chain_id: str,
  resync_required: bool,
});

function integer(value: unknown, field: string, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ArgumentError(field, `expected an integer of at least ${min}`);
  }
  return value;
}

/** The async client for a TOS node's AI-mining API. */
export class TOSAIClient {
  /** The JSON-RPC URL (as in the TOS design's class). */
  readonly rpcUrl: string;
  readonly wsUrl: string;
  readonly wallet: Wallet | undefined;
  readonly sender: string | undefined;
  readonly transport: Transport;
  readonly #webSocket: WebSocketFactory;
  readonly #nonces: NonceBook;
  readonly #pinnedChain: string | undefined;
  #chain: ChainBinding | undefined;
  #defaultAddress: string | undefined;
  #events: EventStream | undefined;
  #miner: AutoMiner | undefined;

  constructor(rpcUrl: string = DEFAULT_RPC_URL, options: ClientOptions = {}) {
    this.rpcUrl = rpcUrl;
    this.wsUrl = options.wsUrl ?? wsUrlFor(rpcUrl);
    this.wallet = options.wallet;
    this.sender = options.sender === undefined ? undefined : checkAddress(options.sender, "sender");
    this.transport = new Transport(rpcUrl, options);
    this.#webSocket = options.webSocket ?? defaultWebSocket;
    this.#nonces = new NonceBook();
    this.#pinnedChain = options.chainId;
  }

  // --- the design's surface ------------------------------------------------------------------------------

  /**
   * Call any method and get its result as the node sent it (integers beyond 2^53 as bigint).
   * Reads are retried; an account write is signed when the client has a wallet, unless `params`
   * already carry `auth` (then they are sent as they are).
   */
  async rpcCall(method: string, params: object = {}): Promise<JsonValue> {
    return this.#call(method, params, json);
  }

  // --- network -------------------------------------------------------------------------------------------

  /** `get_network_info`: tasks, miners and rewards on the network. */
  async getNetworkInfo(): Promise<NetworkInfo> {
    return this.#call("get_network_info", undefined, parseNetworkInfo);
  }

  /** `ai_get_network_info`: the same as `getNetworkInfo`, under the AI-mining name. */
  async aiGetNetworkInfo(): Promise<NetworkInfo> {
    return this.#call("ai_get_network_info", undefined, parseNetworkInfo);
  }

  /**
   * `ai_get_rules`: the protocol's rules as the node applies them (difficulty levels with reward ranges
   * and reputation minimums, stake divisors, limits, task types, statuses, event names, its rate limits).
   * The auto-miner reads its stake range and which tasks it may join from here.
   */
  async getRules(): Promise<Rules> {
    return this.#call("ai_get_rules", undefined, parseRules);
  }

  /** `get_info`: height, version, network, the node's clock, the event head and the chain id. */
  async getInfo(): Promise<NodeInfo> {
    return this.#call("get_info", undefined, parseNodeInfo);
  }

  /** `get_version`: the node's version string. */
  async getVersion(): Promise<string> {
    return this.#call("get_version", undefined, str);
  }

  /** `rpc.discover`: the node's OpenRPC document. */
  async discover(): Promise<JsonValue> {
    return this.#call("rpc.discover", undefined, json);
  }

  // --- accounts ------------------------------------------------------------------------------------------

  /** The account this client acts for: the wallet's, else `sender`, else the node's dev account 0. */
  async address(): Promise<string> {
    if (this.wallet !== undefined) return this.wallet.address;
    if (this.sender !== undefined) return this.sender;
    if (this.#defaultAddress === undefined) {
      const [first] = await this.devAccounts();
      if (first === undefined)
        throw new ArgumentError("wallet", "the node has no dev accounts; give the client a wallet");
      this.#defaultAddress = first.address;
    }
    return this.#defaultAddress;
  }

  /** `get_balance`: an account's balance in atomic units (default this client's account). */
  async getBalance(address?: string): Promise<bigint> {
    const who = address === undefined ? await this.address() : checkAddress(address);
    return (await this.#call("get_balance", { address: who }, parseBalance)).balance;
  }

  /** `get_nonce`: the next nonce a signed request from the account must carry. */
  async getNonce(address?: string): Promise<number> {
    const who = address === undefined ? await this.address() : checkAddress(address);
    return (await this.#call("get_nonce", { address: who }, parseNonce)).nonce;
  }

  /** `ai_get_miner_stats`: reputation and counters (default this client's account). */
  async getMinerStats(address?: string): Promise<MinerStats> {
    const who = address === undefined ? await this.address() : checkAddress(address, "miner_address");
    return this.#call("ai_get_miner_stats", { miner_address: who }, parseMinerStats);
  }

  // --- tasks ---------------------------------------------------------------------------------------------

  /** `ai_list_active_tasks`: active tasks, filtered, sorted and paged (the node's default: 50, newest first). */
  async listActiveTasks(query: ListQuery = {}): Promise<TaskSummary[]> {
    const params: Record<string, unknown> = {};
    if (query.filters !== undefined) {
      const { min_reward, publisher, ...rest } = query.filters;
      const filters: Record<string, unknown> = { ...rest };
      if (min_reward !== undefined) filters.min_reward = amountParam(min_reward, "filters.min_reward");
      if (publisher !== undefined) filters.publisher = checkAddress(publisher, "filters.publisher");
      params.filters = filters;
    }
    if (query.sortBy !== undefined) params.sort_by = query.sortBy;
    if (query.sortOrder !== undefined) params.sort_order = query.sortOrder;
    if (query.limit !== undefined) params.limit = integer(query.limit, "limit", 1);
    if (query.offset !== undefined) params.offset = integer(query.offset, "offset");
    return this.#call("ai_list_active_tasks", params, list(parseTaskSummary));
  }

  /** Every active task matching `filters`, paging oldest first so tasks published meanwhile cannot shift a page. */
  async allActiveTasks(filters?: TaskFilters, pageSize = 500): Promise<TaskSummary[]> {
    const seen = new Map<string, TaskSummary>();
    for (let offset = 0; ; offset += pageSize) {
      const query: ListQuery = { sortBy: "created_at", sortOrder: "asc", limit: pageSize, offset };
      if (filters !== undefined) query.filters = filters;
      const page = await this.listActiveTasks(query);
      for (const task of page) if (!seen.has(task.task_id)) seen.set(task.task_id, task);
      if (page.length < pageSize) return [...seen.values()];
    }
  }

  /** `ai_get_task_details`: one task with participants, submissions, validations and rewards. */
  async getTaskDetails(taskId: string): Promise<TaskDetails> {
    return this.#call("ai_get_task_details", { task_id: checkId(taskId, "task_id") }, parseTaskDetails);
  }

  /** `ai_publish_task`: publish a task; the reward moves from this account's balance into escrow. */
  async publishTask(task: TaskInput): Promise<PublishedTask> {
    if (typeof task !== "object" || task === null)
      throw new ArgumentError("task_data", "a task is an object");
    const data: Record<string, unknown> = { ...task };
    normalizeTaskType(task.task_type, "task_data.task_type");
    data.reward_amount = amountParam(task.reward_amount, "task_data.reward_amount");
    if (task.stake_required !== undefined) {
      data.stake_required = amountParam(task.stake_required, "task_data.stake_required");
    }
    return this.#call("ai_publish_task", { task_data: data }, parsePublishedTask);
  }

  /** `ai_cancel_task`: cancel a task nobody joined yet; the escrow comes back. */
  async cancelTask(taskId: string): Promise<CancelledTask> {
    return this.#call("ai_cancel_task", { task_id: checkId(taskId, "task_id") }, parseCancelledTask);
  }

  // --- mining --------------------------------------------------------------------------------------------

  /** `ai_register_miner`: register this account as a miner (the fee goes to the network account). */
  async registerMiner(
    config: { specializations?: string[]; registrationFee?: AmountInput } = {},
  ): Promise<MinerRegistration> {
    const minerConfig: Record<string, unknown> = {};
    if (config.specializations !== undefined) minerConfig.specializations = [...config.specializations];
    if (config.registrationFee !== undefined) {
      minerConfig.registration_fee = amountParam(config.registrationFee, "miner_config.registration_fee");
    }
    return this.#call("ai_register_miner", { miner_config: minerConfig }, parseMinerRegistration);
  }

  /** `ai_participate_task`: join a task, locking a stake (default the task's minimum). */
  async participateTask(taskId: string, stakeAmount?: AmountInput): Promise<Participation> {
    const params: Record<string, unknown> = { task_id: checkId(taskId, "task_id") };
    if (stakeAmount !== undefined) params.stake_amount = amountParam(stakeAmount, "stake_amount");
    return this.#call("ai_participate_task", params, parseParticipation);
  }

  /** `ai_submit_solution`: answer a task this account joined. */
  async submitSolution(taskId: string, solution: TaskSolution): Promise<SubmissionReceipt> {
    if (typeof solution?.content !== "string")
      throw new ArgumentError("solution_data.content", "a solution needs content");
    const params = { task_id: checkId(taskId, "task_id"), solution_data: { ...solution } };
    return this.#call("ai_submit_solution", params, parseSubmissionReceipt);
  }

  // --- validation ----------------------------------------------------------------------------------------

  /** `ai_validate_submission`: score another miner's submission. */
  validateSubmission(
    taskId: string,
    submissionId: string,
    result: ValidationResult,
  ): Promise<ValidationReceipt> {
    const params = {
      task_id: checkId(taskId, "task_id"),
      submission_id: checkId(submissionId, "submission_id"),
      validation_result: result,
    };
    return this.#call("ai_validate_submission", params, parseValidationReceipt);
  }

  /** Approve a submission with a score from 0 to 100. */
  approve(
    taskId: string,
    submissionId: string,
    qualityScore: number,
    reasoning?: string,
  ): Promise<ValidationReceipt> {
    const verdict: { quality_score: number; reasoning?: string } = {
      quality_score: integer(qualityScore, "quality_score"),
    };
    if (reasoning !== undefined) verdict.reasoning = reasoning;
    return this.validateSubmission(taskId, submissionId, { Approve: verdict });
  }

  /** Reject a submission, saying why. */
  reject(
    taskId: string,
    submissionId: string,
    reason?: string,
    evidence?: JsonValue,
  ): Promise<ValidationReceipt> {
    const verdict: { reason?: string; evidence?: JsonValue } = {};
    if (reason !== undefined) verdict.reason = reason;
    if (evidence !== undefined) verdict.evidence = evidence;
    return this.validateSubmission(taskId, submissionId, { Reject: verdict });
  }

  // --- events --------------------------------------------------------------------------------------------

  /** `ai_get_events`: events after `sinceSeq` over HTTP (the catch-up path), at most `limit` (node default 100). */
  async getEvents(sinceSeq = 0, limit?: number): Promise<EventsPage> {
    const params: Record<string, unknown> = { since_seq: integer(sinceSeq, "since_seq") };
    if (limit !== undefined) params.limit = integer(limit, "limit", 1);
    return this.#call("ai_get_events", params, parseEventsPage);
  }

  /** A new event stream over `/ai/ws` (see `EventStream`); it starts on first use. */
  events(options: EventStreamOptions = {}): EventStream {
    return new EventStream(this.wsUrl, this.#webSocket, options);
  }

  /**
   * Call `handler(data, event)` for each live event named `name`, as in the TOS design's WebSocket
   * example; every handler shares one stream, opened on the first `on`.
   */
  on<Name extends EventName>(
    name: Name,
    handler: (data: EventMap[Name], event: NodeEvent<Name>) => void,
  ): this {
    // Handlers outlive a chain reset: the shared stream follows the node's new chain from its start.
    this.#events ??= this.events({ onChainReset: "restart" });
    this.#events.on(name, handler as never);
    return this;
  }

  /** Remove a handler added with `on`. */
  off<Name extends EventName>(
    name: Name,
    handler: (data: EventMap[Name], event: NodeEvent<Name>) => void,
  ): this {
    this.#events?.off(name, handler as never);
    return this;
  }

  // --- auto-mining ---------------------------------------------------------------------------------------

  /**
   * The TOS design's auto-mining loop: scan every `checkInterval` seconds, join suitable tasks, wait
   * `errorPause` (30 s) after an error, and take a suitable task at once when the event stream announces
   * it. Resolves with what it did once `stopAutoMining()` is called.
   */
  async startAutoMining(config: AutoMiningConfig): Promise<AutoMiningReport> {
    if (this.#miner?.running) {
      return Promise.reject(new ArgumentError("config", "auto-mining is already running on this client"));
    }
    this.#miner = new AutoMiner(this, config);
    return this.#miner.run();
  }

  /** Ask the auto-mining loop to stop; it ends after the step in flight. */
  stopAutoMining(): void {
    this.#miner?.stop();
  }

  /** What the current (or last) auto-mining run did. */
  get autoMiningReport(): AutoMiningReport | undefined {
    return this.#miner?.report;
  }

  /** The design's suitability test, with the node's rules added (see `AutoMiner.shouldParticipate`). */
  shouldParticipate(task: TaskSummary, config: AutoMiningConfig): boolean {
    return new AutoMiner(this, config).shouldParticipate(task);
  }

  // --- the daemon-compatible reads -----------------------------------------------------------------------

  /** `get_ai_mining_statistics` (the daemon's shape: plain integers). */
  async getAiMiningStatistics(): Promise<MiningStatistics> {
    return this.#call("get_ai_mining_statistics", undefined, parseMiningStatistics);
  }

  /** `get_ai_mining_task`: a task in the daemon's shape (the same as `getTaskDetails`). */
  async getAiMiningTask(taskId: string): Promise<TaskDetails> {
    return this.#call("get_ai_mining_task", { task_id: checkId(taskId, "task_id") }, parseTaskDetails);
  }

  /** `get_ai_mining_miner`: a registered miner in the daemon's shape. */
  async getAiMiningMiner(address: string): Promise<DaemonMiner> {
    return this.#call("get_ai_mining_miner", { address: checkAddress(address) }, parseDaemonMiner);
  }

  /** `get_ai_mining_active_tasks`: active tasks keyed by task id. */
  async getAiMiningActiveTasks(): Promise<Record<string, TaskSummary>> {
    return this.#call("get_ai_mining_active_tasks", undefined, parseActiveTaskMap);
  }

  /**
   * `get_ai_mining_state`: a page of tasks in full (at most 100, oldest first), every miner, and the
   * statistics; pass the reply's `next_offset` as `offset` for the next page.
   */
  async getAiMiningState(page: { limit?: number; offset?: number } = {}): Promise<MiningState> {
    const params: Record<string, unknown> = {};
    if (page.limit !== undefined) params.limit = integer(page.limit, "limit", 1);
    if (page.offset !== undefined) params.offset = integer(page.offset, "offset");
    return this.#call("get_ai_mining_state", params, parseMiningState);
  }

  // --- dev mode ------------------------------------------------------------------------------------------

  /** `dev_accounts`: the node's unlocked dev accounts, with their private keys. */
  async devAccounts(): Promise<DevAccount[]> {
    return this.#call("dev_accounts", undefined, list(parseDevAccount));
  }

  /** `dev_faucet`: mint atomic units to an address. */
  async devFaucet(address: string, amount: AmountInput): Promise<FaucetReceipt> {
    return this.#call(
      "dev_faucet",
      { address: checkAddress(address), amount: amountParam(amount) },
      parseFaucet,
    );
  }

  /** `dev_increase_time`: move the node's clock forward; returns the node's new time. */
  async devIncreaseTime(seconds: number): Promise<number> {
    return this.#call("dev_increase_time", { seconds: integer(seconds, "seconds") }, int);
  }

  /** `dev_mine`: mine blocks now, each running the lifecycle. */
  async devMine(blocks = 1): Promise<MinedBlocks> {
    return this.#call("dev_mine", { blocks: integer(blocks, "blocks", 1) }, parseMined);
  }

  // --- calls ---------------------------------------------------------------------------------------------

  /** Close the event stream `on` opened and stop auto-mining. */
  close(): void {
    this.stopAutoMining();
    this.#events?.close();
    this.#events = undefined;
  }

  /** The (chain id, network) signatures cover: read once from `get_info`, again after a chain change. */
  async chain(): Promise<ChainBinding> {
    if (this.#chain === undefined) {
      const info = await this.getInfo();
      if (this.#pinnedChain !== undefined && info.chain_id !== this.#pinnedChain) {
        // Sign for the pinned chain anyway: the node refuses it as WrongChain, naming its own id.
        this.#chain = { chainId: this.#pinnedChain, network: info.network };
      } else {
        this.#chain = { chainId: info.chain_id, network: info.network };
      }
    }
    return this.#chain;
  }

  async #call<T>(method: string, params: object | undefined, parse: Parser<T>): Promise<T> {
    if (!ACCOUNT_WRITES.has(method)) return this.transport.call(method, params, parse);
    // Writes are sent once (never retried): signed by the wallet, or as they are when they carry their
    // own auth, or as dev-mode writes for `sender` (without one, the node acts as dev account 0).
    const body: Record<string, unknown> = { ...(params ?? {}) };
    const signedAlready = "auth" in body;
    if (this.wallet !== undefined && !signedAlready) return this.#signed(this.wallet, method, body, parse);
    if (this.wallet === undefined && this.sender !== undefined && !signedAlready) body.from ??= this.sender;
    return this.transport.send(method, body, parse);
  }

  /** A signed write under the account's nonce lock; re-signed once for a chain that changed. */
  async #signed<T>(wallet: Wallet, method: string, params: object, parse: Parser<T>): Promise<T> {
    return this.#nonces.withAccount(wallet.address, async (slot) => {
      for (let attempt = 1; ; attempt++) {
        const chain = await this.chain();
        const nonce = slot.nonce ?? (await this.getNonce(wallet.address));
        const signed = await wallet.signParams(method, params, nonce, chain);
        try {
          const result = await this.transport.send(method, signed, parse);
          slot.settle(nonce, undefined);
          return result;
        } catch (error) {
          slot.settle(nonce, error as TOSError);
          if (error instanceof WrongChain && attempt === 1 && this.#pinnedChain === undefined) {
            // Refused before anything happened: the node is on another chain (a reset devnet).
            this.#chain = undefined;
            this.#nonces.forgetAll();
            const now = await this.chain();
            if (now.chainId !== chain.chainId) continue;
          }
          throw error;
        }
      }
    });
  }
}
