/** Every ```js example of README.md runs as it is against the node (imported as "tos-ai", the built package). */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { nodeUrl, PACKAGE_DIR } from "./support.js";

const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
const examples = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

test("README.md has examples", () => {
  assert.ok(examples.length >= 4);
});

examples.forEach((code, index) => {
  const firstLine = code.split("\n").find((line) => line.startsWith("//") || line.startsWith("const")) ?? "";
  test(`README example ${index + 1} runs (${firstLine.slice(0, 60)})`, (t) => {
    const url = nodeUrl(t);
    if (url === undefined) return;
    const folder = join(PACKAGE_DIR, ".test-build", "readme");
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `example-${index + 1}.mjs`);
    writeFileSync(file, code);
    const run = spawnSync(process.execPath, [file], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, TOS_NODE_URL: url },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  });
});
