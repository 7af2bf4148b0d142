/**
 * tos-ai: the TypeScript/JavaScript client for the TOS AI-mining node API.
 *
 * ```ts
 * import { TOSAIClient, Wallet } from "tos-ai";
 * const client = new TOSAIClient("http://127.0.0.1:8545", { wallet: await Wallet.generate() });
 * const tasks = await client.listActiveTasks({ filters: { difficulty_level: "Beginner" } });
 * ```
 */

export {
  type ClientOptions,
  DEFAULT_RPC_URL,
  defaultWebSocket,
  type EventsPage,
  type ListQuery,
  type TaskFilters,
  type TaskInput,
  type TaskSolution,
  TOSAIClient,
  type ValidationResult,
  wsUrlFor,
} from "./client.js";
export * from "./errors.js";
export {
  type AnyNodeEvent,
  type ChainResetNotice,
  type ChainResetPolicy,
  EVENT_NAMES,
  type EventMap,
  type EventName,
  EventStream,
  type EventStreamOptions,
  type NodeEvent,
  parseEvent,
  type StreamHandlers,
  type WebSocketFactory,
  type WebSocketLike,
} from "./events.js";
export {
  canonicalBytes,
  compareCodePoints,
  JsonSyntaxError,
  type JsonValue,
  parse as parseJson,
  stringify as canonicalJson,
} from "./json.js";
export {
  AutoMiner,
  type AutoMiningConfig,
  type AutoMiningReport,
  draftOfflineSolution,
  estimateSuccessProbability,
  type MiningActivity,
  OFFLINE_LABEL,
  stakeRange,
} from "./mining.js";
export type {
  Balance,
  CancelledTask,
  ConsensusProgress,
  DaemonMiner,
  DevAccount,
  DifficultyRule,
  FaucetReceipt,
  MinedBlocks,
  MinerRegistration,
  MinerStats,
  MiningState,
  MiningStatistics,
  NetworkInfo,
  NodeInfo,
  NonceInfo,
  Participant,
  Participation,
  PublishedTask,
  Reward,
  Rules,
  Submission,
  SubmissionReceipt,
  TaskDetails,
  TaskStatus,
  TaskSummary,
  TaskTypeRule,
  Validation,
  ValidationReceipt,
} from "./records.js";
export {
  ACCOUNT_WRITES,
  backoffMs,
  DEFAULT_RETRY,
  READ_METHODS,
  type RetryPolicy,
  retryDelayMs,
  Transport,
  type TransportOptions,
} from "./transport.js";
export {
  AddressError,
  type AmountInput,
  ATOMIC_PER_TOS,
  addressFromPublicKey,
  amountParam,
  bech32Decode,
  bech32Encode,
  DEVNET_HRP,
  DIFFICULTY_LEVELS,
  type DifficultyLevel,
  formatTos,
  MAINNET_HRP,
  MAX_SUPPLY,
  normalizeAddress,
  normalizeTaskType,
  OPEN_STATUSES,
  parseTos,
  publicKeyFromAddress,
  STAKE_DIVISORS,
  TASK_STATUSES,
  TASK_TYPE_DETAILS,
  type TaskType,
  type TaskTypeInput,
  type TaskTypeName,
  toAtomic,
  U64_MAX,
} from "./values.js";
export {
  type Auth,
  type ChainBinding,
  DEVNET_NETWORK,
  signingPayload,
  verifySignature,
  Wallet,
} from "./wallet.js";
