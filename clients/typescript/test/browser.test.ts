/**
 * The package in a real browser (headless Chromium): the built ESM files loaded as they are, the
 * browser's fetch, WebSocket and WebCrypto. A page signs writes and hears its task on the event stream.
 *
 * The devnode sends no CORS headers, so a page served from another origin cannot POST JSON to it;
 * Chromium runs with --disable-web-security here. A page on a real deployment needs the node (or a
 * proxy in front of it) to allow its origin.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { test } from "node:test";
import { nodeUrl, PACKAGE_DIR, waitFor } from "./support.js";

const CHROMIUM = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (path): path is string => typeof path === "string" && existsSync(path),
);

const SERVED = ["/dist/", "/node_modules/@noble/ed25519/"];

function page(node: string, ws: string): string {
  return `<!doctype html>
<meta charset="utf-8">
<script type="importmap">{"imports": {"@noble/ed25519": "/node_modules/@noble/ed25519/index.js"}}</script>
<script type="module">
import { TOSAIClient, Wallet } from "/dist/index.js";
const report = (result) =>
  fetch("/result", { method: "POST", body: JSON.stringify(result, (k, v) => (typeof v === "bigint" ? \`\${v}n\` : v)) });
try {
  const wallet = await Wallet.generate();
  await new TOSAIClient(${JSON.stringify(node)}).devFaucet(wallet.address, "100000000000000");
  const client = new TOSAIClient(${JSON.stringify(node)}, { wallet, wsUrl: ${JSON.stringify(ws)} });
  const stream = client.events();
  const heard = new Promise((resolve) =>
    stream.on("task_published", (data) => data.publisher === wallet.address && resolve(data)),
  );
  await new Promise((resolve) => stream.on("connected", resolve));
  const task = await client.publishTask({
    title: "Published from a browser page",
    task_type: { CodeAnalysis: { language: "rust" } },
    difficulty_level: "Intermediate",
    reward_amount: 15000000000n,
  });
  const data = await heard;
  await client.cancelTask(task.task_id);
  stream.close();
  report({ ok: true, heard: data.task_id === task.task_id, reward: data.reward_amount,
           balance: await client.getBalance(), nonce: await client.getNonce(), native: typeof WebSocket });
} catch (error) {
  report({ ok: false, error: String(error), stack: error?.stack });
}
</script>`;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Chromium's helpers can write to the profile a moment after the browser exits (ENOTEMPTY in a full
 * run, which rmSync's maxRetries did not cover): retry for a while, then leave the temp folder. */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      rmSync(profile, { recursive: true, force: true });
      return;
    } catch (error) {
      if (attempt === 50) {
        console.warn(`left ${profile}: ${String(error)}`);
        return;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

test("in headless Chromium: a page signs writes and hears its task on the event stream", async (t) => {
  const url = nodeUrl(t);
  if (url === undefined) return;
  if (CHROMIUM === undefined) {
    t.skip("no Chromium (make debs installs Debian's chromium; CHROMIUM=path picks another)");
    return;
  }
  const wsUrl = process.env.TOS_NODE_WS_URL ?? `${url.replace(/^http/, "ws")}/ai/ws`;
  let result: Record<string, unknown> | undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname));
    if (request.method === "POST" && path === "/result") {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        result = JSON.parse(body) as Record<string, unknown>;
        response.end("ok");
      });
      return;
    }
    if (path === "/") {
      response.setHeader("content-type", "text/html");
      response.end(page(url, wsUrl));
      return;
    }
    const file = join(PACKAGE_DIR, path);
    if (!SERVED.some((prefix) => path.startsWith(prefix)) || !existsSync(file)) {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader(
      "content-type",
      extname(file) === ".js" ? "text/javascript" : "application/octet-stream",
    );
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const profile = mkdtempSync(join(tmpdir(), "tos-ai-chromium-"));
  const browser = spawn(
    CHROMIUM,
    [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-web-security",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      `--user-data-dir=${profile}`,
      pageUrl,
    ],
    // Its own process group, so the helper processes go with the browser (see the finally block).
    { stdio: "ignore", detached: true },
  );
  try {
    const outcome = await waitFor("the page's result", () => result, 30_000, 100);
    assert.equal(outcome.ok, true, String(outcome.error ?? "") + String(outcome.stack ?? ""));
    assert.equal(outcome.heard, true);
    assert.equal(outcome.reward, "15000000000n");
    assert.equal(outcome.balance, "100000000000000n");
    assert.equal(outcome.nonce, 2);
    assert.equal(outcome.native, "function");
  } finally {
    const exited =
      browser.exitCode === null && browser.signalCode === null
        ? new Promise((done) => browser.once("exit", done))
        : Promise.resolve(); // a browser that died already would never send "exit" again
    killGroup(browser.pid, "SIGTERM");
    await exited;
    killGroup(browser.pid, "SIGKILL"); // helpers that outlived the browser
    server.close();
    await removeProfile(profile);
  }
});
