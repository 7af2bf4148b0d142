/**
 * The TOS design's auto-mining loop: scan the active tasks every `checkInterval` seconds, join the
 * suitable ones, wait 30 s after an error, and take a suitable task at once when the event stream
 * announces it (`task_published`), without waiting for the next scan.
 */

import type { TaskSolution, TOSAIClient } from "./client.js";
import {
  AlreadyDone,
  InsufficientFunds,
  MethodNotFound,
  NodeRPCError,
  NotAccepting,
  TOSError,
  UnknownEntity,
} from "./errors.js";
import type { EventStream, EventStreamOptions } from "./events.js";
import type { Rules, TaskDetails, TaskSummary } from "./records.js";
import {
  type AmountInput,
  DIFFICULTY_LEVELS,
  type DifficultyLevel,
  OPEN_STATUSES,
  STAKE_DIVISORS,
  toAtomic,
} from "./values.js";

/** How the auto-miner chooses, joins and answers tasks: the design's fields, and a few of ours. */
export interface AutoMiningConfig {
  /** The difficulty levels to take (the design's `targetDifficulties`). */
  targetDifficulties: readonly DifficultyLevel[];
  /** The stake to offer; a task whose allowed stake range leaves it out is skipped. Default: the task's minimum. */
  stakeAmount?: AmountInput;
  /** Seconds between scans (default 60, as in the design). */
  checkInterval?: number;
  /** Skip tasks with fewer seconds than this before their deadline (default 600). */
  minTimeLeft?: number;
  /** How many joined, unfinished tasks at once (default no limit, as in the design's loop). */
  maxConcurrentTasks?: number;
  /** 0..1, compared with `estimateSuccessProbability` (default 0). */
  minSuccessProbability?: number;
  /** Submit a solution right after joining (default false: the design's JavaScript loop only joins). */
  autoSubmitSolutions?: boolean;
  /** Writes the solution for a task (default `draftOfflineSolution`, which consults no AI model). */
  solver?: (task: TaskDetails) => TaskSolution | Promise<TaskSolution>;
  /** Take tasks announced by `task_published` at once (default true). */
  useEvents?: boolean;
  /** Seconds to wait after a failed scan (default 30, as in the design). */
  errorPause?: number;
  /** Told of everything the loop does. */
  onActivity?: (activity: MiningActivity) => void;
}

/** What the loop did, as it happens. */
export type MiningActivity =
  | { type: "scan"; scans: number; candidates: number }
  | { type: "joined"; taskId: string; stake: bigint; via: "scan" | "event" }
  | { type: "submitted"; taskId: string; submissionId: string }
  | { type: "skipped"; taskId: string; reason: string }
  | { type: "error"; error: unknown; pauseSeconds: number };

/** What an auto-mining run did so far. */
export interface AutoMiningReport {
  scans: number;
  joined: string[];
  submitted: Record<string, string>;
  errors: string[];
  lastScanAt: number | undefined;
}

const BASE_SUCCESS: Record<string, number> = {
  Beginner: 0.9,
  Intermediate: 0.75,
  Advanced: 0.55,
  Expert: 0.35,
};
export const OFFLINE_LABEL = "[drafted offline by tos-ai: no AI model was consulted]";

/**
 * A rough chance of winning `task`, 0..1 (the Python client's formula): easier levels, higher
 * reputation and fewer rivals score higher.
 */
export function estimateSuccessProbability(task: TaskSummary, reputation = 500): number {
  const base = BASE_SUCCESS[task.difficulty_level] ?? 0.2;
  const skill = 0.5 + Math.max(0, Math.min(reputation, 1000)) / 2000;
  const rivals = 1 + task.participants_count / 4;
  return Math.max(0, Math.min(1, (base * skill) / rivals));
}

/**
 * The stakes the node accepts for a task: from max(reward / min_divisor, stake_required) to
 * reward / max_divisor, with the divisors of the node's `rules` (`getRules()`), else 10 and 2.
 */
export function stakeRange(task: TaskSummary, rules?: Pick<Rules, "stake">): { min: bigint; max: bigint } {
  const divisors =
    rules === undefined ? STAKE_DIVISORS : { min: rules.stake.min_divisor, max: rules.stake.max_divisor };
  const share = task.reward_amount / divisors.min;
  // biome-ignore lint/complexity/useMathMinMax: bigint operands, which Math.max does not take
  const min = task.stake_required > share ? task.stake_required : share;
  return { min, max: task.reward_amount / divisors.max };
}

/** The default solver: a structured draft from the task text alone, labelled as such. */
export function draftOfflineSolution(task: TaskDetails): TaskSolution {
  const type =
    typeof task.task_type === "string" ? task.task_type : (Object.keys(task.task_type)[0] ?? "Task");
  return {
    content: [
      OFFLINE_LABEL,
      `Task: ${task.title}`,
      `Type: ${type}; difficulty: ${task.difficulty_level}`,
      "",
      "Understanding of the request:",
      task.description,
      "",
      "Approach: restate the requirements, list the assumptions, address each requirement in turn,",
      "and state what a reviewer should check. Replace this draft with a real answer where possible.",
    ].join("\n"),
    documentation: `${OFFLINE_LABEL} Generated for task ${task.task_id}; give the loop your own solver.`,
  };
}

function positive(value: number | undefined, fallback: number, field: string): number {
  const result = value ?? fallback;
  if (typeof result !== "number" || !(result >= 0) || !Number.isFinite(result)) {
    throw new TOSError(`${field} must be a non-negative number of seconds`);
  }
  return result;
}

/** One auto-mining run of one client; `TOSAIClient.startAutoMining` makes and drives it. */
export class AutoMiner {
  readonly report: AutoMiningReport = {
    scans: 0,
    joined: [],
    submitted: {},
    errors: [],
    lastScanAt: undefined,
  };
  readonly config: AutoMiningConfig;
  readonly checkInterval: number;
  readonly errorPause: number;
  readonly minTimeLeft: number;
  readonly maxConcurrent: number;
  readonly #client: TOSAIClient;
  readonly #stake: bigint | undefined;
  readonly #active = new Set<string>();
  readonly #considered = new Set<string>();
  #running = false;
  #stopping = false;
  #wake: (() => void) | undefined;
  #events: EventStream | undefined;
  #work: Promise<unknown> = Promise.resolve();
  #me: string | undefined;
  #reputation = 500;
  /** The node's rules, read once per run; null when the node publishes none (then this package's own). */
  #rules: Rules | null | undefined;

  constructor(client: TOSAIClient, config: AutoMiningConfig) {
    if (!Array.isArray(config?.targetDifficulties) || config.targetDifficulties.length === 0) {
      throw new TOSError(`targetDifficulties must list some of ${DIFFICULTY_LEVELS.join(", ")}`);
    }
    this.#client = client;
    this.config = config;
    this.checkInterval = positive(config.checkInterval, 60, "checkInterval");
    this.errorPause = positive(config.errorPause, 30, "errorPause");
    this.minTimeLeft = positive(config.minTimeLeft, 600, "minTimeLeft");
    this.maxConcurrent = config.maxConcurrentTasks ?? Number.POSITIVE_INFINITY;
    this.#stake = config.stakeAmount === undefined ? undefined : toAtomic(config.stakeAmount, "stakeAmount");
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * The design's test (difficulty wanted, enough time left) plus the node's rules (`getRules()`): open,
   * not ours, a place free, our reputation enough to join at its level, our stake allowed.
   */
  shouldParticipate(task: TaskSummary): boolean {
    return this.#unsuitable(task) === undefined;
  }

  #unsuitable(task: TaskSummary): string | undefined {
    if (!this.config.targetDifficulties.includes(task.difficulty_level)) return "difficulty not wanted";
    if (!(task.time_left > this.minTimeLeft)) return "too little time left";
    const rules = this.#rules ?? undefined;
    if (!(rules?.statuses.open ?? OPEN_STATUSES).includes(task.status)) return `status ${task.status}`;
    if (task.participants_count >= task.max_participants) return "full";
    if (this.#me !== undefined && task.publisher === this.#me) return "our own task";
    const level = rules?.difficulty_levels.find((rule) => rule.name === task.difficulty_level);
    const needed = level?.min_reputation.participate;
    if (needed !== undefined && this.#reputation < needed)
      return `reputation below the ${needed} needed to join`;
    if (this.#stake !== undefined) {
      const { min, max } = stakeRange(task, rules);
      if (this.#stake < min || this.#stake > max) return `stake outside ${min}..${max}`;
    }
    const chance = estimateSuccessProbability(task, this.#reputation);
    if (chance < (this.config.minSuccessProbability ?? 0)) return `success probability ${chance.toFixed(2)}`;
    return undefined;
  }

  stop(): void {
    this.#stopping = true;
    this.#events?.close();
    this.#wake?.();
  }

  /** Scan, join and wait until stopped; resolves with the report. */
  async run(): Promise<AutoMiningReport> {
    this.#running = true;
    try {
      if (this.config.useEvents !== false) this.#listen(await this.#headSeq());
      while (!this.#stopping) {
        let pause = this.checkInterval;
        try {
          await this.#serialized(() => this.#scan());
        } catch (error) {
          this.#failed(error);
          pause = this.errorPause;
        }
        await this.#sleep(pause);
      }
      await this.#work.catch(() => undefined);
      return this.report;
    } finally {
      this.#events?.close();
      this.#running = false;
    }
  }

  #failed(error: unknown): void {
    this.report.errors.push(error instanceof Error ? error.message : String(error));
    this.#tell({ type: "error", error, pauseSeconds: this.errorPause });
  }

  #tell(activity: MiningActivity): void {
    try {
      this.config.onActivity?.(activity);
    } catch {
      // A reporting hook's failure must not stop mining.
    }
  }

  #sleep(seconds: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, seconds * 1000);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Joins and submissions run one at a time, whether a scan or an event started them. */
  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#work.then(work, work);
    this.#work = next.catch(() => undefined);
    return next;
  }

  /** The node's rules, once per run; a node without `ai_get_rules` leaves this package's own. */
  async #loadRules(): Promise<void> {
    if (this.#rules !== undefined) return;
    try {
      this.#rules = await this.#client.getRules();
    } catch (error) {
      if (!(error instanceof MethodNotFound)) throw error;
      this.#rules = null;
    }
  }

  async #scan(): Promise<void> {
    await this.#loadRules();
    this.#me ??= await this.#client.address();
    const tasks = await this.#client.allActiveTasks();
    try {
      this.#reputation = (await this.#client.getMinerStats(this.#me)).reputation;
    } catch (error) {
      if (!(error instanceof UnknownEntity)) throw error;
    }
    const live = new Set(tasks.map((task) => task.task_id));
    for (const id of this.#active) if (!live.has(id)) this.#active.delete(id);
    const candidates = tasks
      .filter((task) => !this.#considered.has(task.task_id) && this.shouldParticipate(task))
      .sort((a, b) =>
        a.reward_amount === b.reward_amount
          ? a.deadline - b.deadline
          : a.reward_amount > b.reward_amount
            ? -1
            : 1,
      );
    for (const task of candidates) {
      if (this.#stopping || this.#active.size >= this.maxConcurrent) break;
      await this.#workOn(task, "scan");
    }
    this.report.scans++;
    this.report.lastScanAt = Date.now();
    this.#tell({ type: "scan", scans: this.report.scans, candidates: candidates.length });
  }

  /** The node's event head before the first scan: the stream replays from it, so a task published while
   * the WebSocket is still connecting is not missed. Undefined (live only) when the node is down. */
  async #headSeq(): Promise<number | undefined> {
    try {
      return (await this.#client.getInfo()).head_seq;
    } catch {
      return undefined;
    }
  }

  #listen(sinceSeq?: number): void {
    const options: EventStreamOptions = { events: ["task_published"] };
    if (sinceSeq !== undefined) options.sinceSeq = sinceSeq;
    const stream = this.#client.events(options);
    this.#events = stream;
    stream.on("task_published", (data) => {
      if (this.#stopping || !this.config.targetDifficulties.includes(data.difficulty_level)) return;
      this.#serialized(() => this.#onPublished(data.task_id)).catch((error) => this.#failed(error));
    });
    stream.on("error", (error) => {
      // The stream gave up (a reset chain, say): report it and listen again after the pause.
      this.#failed(error);
      setTimeout(() => {
        if (!this.#stopping) this.#listen();
      }, this.errorPause * 1000);
    });
  }

  async #onPublished(taskId: string): Promise<void> {
    if (this.#stopping || this.#considered.has(taskId) || this.#active.size >= this.maxConcurrent) return;
    await this.#loadRules();
    this.#me ??= await this.#client.address();
    const task = await this.#client.getTaskDetails(taskId);
    if (this.shouldParticipate(task)) await this.#workOn(task, "event");
  }

  async #workOn(task: TaskSummary, via: "scan" | "event"): Promise<void> {
    this.#considered.add(task.task_id);
    const stake = this.#stake ?? stakeRange(task, this.#rules ?? undefined).min;
    try {
      await this.#client.participateTask(task.task_id, stake);
    } catch (error) {
      if (error instanceof AlreadyDone) {
        // Joined before (another run of ours): carry on with it.
      } else if (
        error instanceof NotAccepting ||
        error instanceof InsufficientFunds ||
        error instanceof UnknownEntity
      ) {
        this.#tell({ type: "skipped", taskId: task.task_id, reason: error.message });
        return;
      } else {
        throw error;
      }
    }
    this.#active.add(task.task_id);
    this.report.joined.push(task.task_id);
    this.#tell({ type: "joined", taskId: task.task_id, stake, via });
    if (this.config.autoSubmitSolutions && !this.#stopping) await this.#submit(task.task_id);
  }

  async #submit(taskId: string): Promise<void> {
    const details = await this.#client.getTaskDetails(taskId);
    const mine = details.submissions.find((submission) => submission.submitter === this.#me);
    if (mine !== undefined) {
      this.report.submitted[taskId] = mine.submission_id;
      return;
    }
    const solution = await (this.config.solver ?? draftOfflineSolution)(details);
    try {
      const receipt = await this.#client.submitSolution(taskId, solution);
      this.report.submitted[taskId] = receipt.submission_id;
      this.#tell({ type: "submitted", taskId, submissionId: receipt.submission_id });
    } catch (error) {
      if (!(error instanceof NodeRPCError)) throw error;
      this.#tell({ type: "skipped", taskId, reason: error.message });
    }
  }
}
