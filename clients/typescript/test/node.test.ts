/** `tos-ai/node`'s nodeHttpFetch: the client's calls over node:http, timeouts and refusals as with fetch. */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import { NodeConnectionError, NodeHTTPError, NodeTimeoutError, TOSAIClient, Wallet } from "../src/index.js";
import { nodeHttpFetch } from "../src/node.js";
import { nodeUrl } from "./support.js";

const servers: Server[] = [];
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("nodeHttpFetch", () => {
  after(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  test("carries a call and its reply, headers included", async () => {
    let seen: { method?: string; type?: string; body: string } = { body: "" };
    const url = await serve((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        seen = { method: request.method, type: request.headers["content-type"], body };
        const { id } = JSON.parse(body) as { id: number };
        response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "devnode/x" }));
      });
    });
    const client = new TOSAIClient(url, { fetch: nodeHttpFetch() });
    assert.equal(await client.getVersion(), "devnode/x");
    assert.equal(seen.method, "POST");
    assert.equal(seen.type, "application/json");
    assert.match(seen.body, /"method":"get_version"/);
  });

  test("a node that does not answer in time is a NodeTimeoutError", async () => {
    const url = await serve(() => undefined);
    const client = new TOSAIClient(url, { fetch: nodeHttpFetch(), timeoutMs: 100, retry: false });
    await assert.rejects(client.getInfo(), NodeTimeoutError);
  });

  test("a closed port is a NodeConnectionError; an HTTP error keeps its status and Retry-After", async () => {
    const closed = await serve(() => undefined);
    servers.pop()?.close();
    await assert.rejects(
      new TOSAIClient(closed, { fetch: nodeHttpFetch(), retry: false }).getInfo(),
      NodeConnectionError,
    );
    const busy = await serve((_request, response) => {
      response.writeHead(503, { "retry-after": "7" });
      response.end("busy");
    });
    await assert.rejects(
      new TOSAIClient(busy, { fetch: nodeHttpFetch(), retry: false }).getInfo(),
      (error) => {
        assert.ok(error instanceof NodeHTTPError);
        assert.equal(error.status, 503);
        assert.equal(error.retryAfter, 7);
        return true;
      },
    );
  });

  test("against the node: reads and signed writes", async (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const wallet = await Wallet.generate();
    const client = new TOSAIClient(url, { wallet, fetch: nodeHttpFetch() });
    await client.devFaucet(wallet.address, "1000000000000");
    await client.registerMiner();
    assert.equal((await client.getMinerStats()).is_registered, true);
    assert.equal(await client.getNonce(), 1);
  });
});
