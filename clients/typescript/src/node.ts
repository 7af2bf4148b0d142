/**
 * `tos-ai/node`: what only Node.js has. `nodeHttpFetch` is a `fetch` for the client's JSON-RPC posts
 * over `node:http` / `node:https` with keep-alive agents: the same requests, at a quarter of the CPU of
 * Node's built-in `fetch` (undici) per call (docs/performance.md). Pass it as the client's `fetch`:
 *
 * ```ts
 * import { TOSAIClient } from "tos-ai";
 * import { nodeHttpFetch } from "tos-ai/node";
 * const client = new TOSAIClient(url, { fetch: nodeHttpFetch() });
 * ```
 *
 * It implements what the client uses: POST with headers and a string body, an abort signal (the
 * client's timeout), and a reply's `status`, `headers.get` and `text()`.
 */

import http from "node:http";
import https from "node:https";

export interface NodeHttpFetchOptions {
  /** Connections kept open per node (default 16). */
  maxSockets?: number;
}

/** A `fetch` over `node:http(s)` keep-alive agents, for `new TOSAIClient(url, { fetch })`. */
export function nodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
  const maxSockets = options.maxSockets ?? 16;
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets }),
    "https:": new https.Agent({ keepAlive: true, maxSockets }),
  };
  const post = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const body = typeof init.body === "string" ? init.body : "";
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    headers["content-length"] = String(Buffer.byteLength(body));
    const signal = init.signal ?? undefined;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    const request = (url.protocol === "https:" ? https : http).request;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const outgoing = request(url, { method: init.method ?? "POST", headers, agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", fail);
        incoming.on("end", () => {
          signal?.removeEventListener("abort", onAbort);
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: incoming.statusCode ?? 0,
            ok: (incoming.statusCode ?? 0) >= 200 && (incoming.statusCode ?? 0) < 300,
            headers: {
              get: (name: string) => {
                const value = incoming.headers[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
              },
            },
            text: async () => text,
            json: async () => JSON.parse(text) as unknown,
          } as unknown as Response);
        });
      });
      function fail(error: unknown): void {
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      }
      function onAbort(): void {
        outgoing.destroy();
        reject(signal?.reason);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      outgoing.on("error", fail);
      outgoing.end(body);
    });
  };
  return post as typeof fetch;
}
