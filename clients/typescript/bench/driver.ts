/**
 * The TypeScript client's driver for bench/clients_bench.py (protocol: bench/README.md): it reads its
 * phase from TOS_BENCH_* variables, runs it through this package's public API and prints one JSON line.
 */

import { performance } from "node:perf_hooks";
// The package by its own name: the published shape (exports map, dist/*.d.ts), as a user imports it.
import { TOSAIClient } from "tos-ai";
import { nodeHttpFetch } from "tos-ai/node";

const env = process.env;

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return 0;
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.max(0, Math.round(fraction * ordered.length) - 1))] ?? 0;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

async function reads(client: TOSAIClient, phase: string): Promise<Record<string, unknown>> {
  const seconds = Number(env.TOS_BENCH_SECONDS);
  const warmup = Number(env.TOS_BENCH_WARMUP ?? "1");
  const concurrency = Number(env.TOS_BENCH_CONCURRENCY ?? "1");
  const address = env.TOS_BENCH_ADDRESS ?? "";
  const taskId = env.TOS_BENCH_TASK_ID ?? "";
  const calls: Record<string, () => Promise<unknown>> = {
    get_balance: () => client.getBalance(address),
    list_active_tasks: () => client.listActiveTasks({ limit: 50 }),
    task_details: () => client.getTaskDetails(taskId),
  };
  const one = calls[phase];
  if (one === undefined) throw new Error(`unknown phase ${phase}`);
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let measuring = false;
  const stopAt = performance.now() + (warmup + seconds) * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      try {
        await one();
      } catch {
        if (measuring) errors++;
        continue;
      }
      if (measuring) {
        latencies.push(performance.now() - started);
        ops++;
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
  measuring = true;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(workers);
  const elapsed = (performance.now() - started) / 1000;
  return {
    ops,
    errors,
    seconds: elapsed,
    cpu_seconds: cpuSeconds(cpu),
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
  };
}

async function events(client: TOSAIClient): Promise<Record<string, unknown>> {
  const count = Number(env.TOS_BENCH_EVENTS);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let received = 0;
  let last = 0;
  let inOrder = true;
  for await (const event of client.events({ sinceSeq: 0 })) {
    inOrder &&= event.seq === last + 1;
    last = event.seq;
    if (++received >= count) break;
  }
  return {
    ops: received,
    errors: 0,
    seconds: (performance.now() - started) / 1000,
    cpu_seconds: cpuSeconds(cpu),
    in_order: inOrder,
  };
}

const phase = env.TOS_BENCH_PHASE ?? "";
// TOS_BENCH_FETCH=node:http measures the client over tos-ai/node's nodeHttpFetch instead of fetch.
const overNodeHttp = env.TOS_BENCH_FETCH === "node:http";
const client = new TOSAIClient(env.TOS_NODE_URL, {
  wsUrl: env.TOS_NODE_WS_URL,
  ...(overNodeHttp ? { fetch: nodeHttpFetch() } : {}),
});
const result = phase === "events" ? await events(client) : await reads(client, phase);
const name = overNodeHttp ? "typescript (node:http)" : "typescript";
process.stdout.write(`${JSON.stringify({ client: name, phase, ...result })}\n`);
process.exit(0);
