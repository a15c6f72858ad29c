// p08: cost of "one fresh agentDir per run" (the reset this design proposes): 300 runs in one process, each with
// its own agentDir (own store, own throttle key). Reports open file descriptors, heap, and ms per run, so
// leaked DB handles or caches show up. Also checks run 300 still behaves like run 1.
import { setup, seed, makeRun, fallback, clock, out, cleanup, EPOCH } from "./lib.mjs";
import path from "node:path";
import fs from "node:fs";
const cooling = { "prov-a:k1": { cooldownUntil: EPOCH + 60_000, cooldownReason: "rate_limit", cooldownModel: "m1", errorCount: 1, failureCounts: { rate_limit: 1 }, lastFailureAt: EPOCH } };
const P = await setup(process.argv[2]); // argv: VERSION [N] [dispose]
const fds = () => fs.readdirSync("/proc/self/fd").length;
const results = [];
const fd0 = fds();
const t0 = performance.now();
const N = Number(process.argv[3] ?? 300);
for (let i = 0; i < N; i++) {
  const agentDir = path.join(P.tmp, "runs", String(i));
  fs.mkdirSync(agentDir, { recursive: true });
  const Q = { ...P, agentDir };
  seed(Q, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" }, cooling);
  const log = [];
  const run = makeRun(Q, async (p) => (p === "prov-a" ? { reason: "rate_limit", status: 429 } : { ok: true, value: "fallback" }), log);
  clock.set(10_000);
  await fallback(Q, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  if (process.argv[4] === "dispose") {
    // 9.x keeps one SQLite handle set per agent database open; close this run's before the next (the release's
    // own test hook), then drop the directory.
    P.S.closeOpenClawAgentDatabasesForTest?.(agentDir);
    fs.rmSync(agentDir, { recursive: true, force: true });
  }
  results.push(log.map((e) => `${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(","));
  if ((i === 0 || i === N - 1) && globalThis.gc) globalThis.gc();
  if (i === 0 || i === N - 1) out(`${P.version} run ${i + 1}: ${results.at(-1)}  fds=${fds()} (start ${fd0}) heapMB=${Math.round(process.memoryUsage().heapUsed / 1e6)}`);
}
out(`${P.version} ${N} runs, ${((performance.now() - t0) / N).toFixed(2)} ms/run, all identical: ${new Set(results).size === 1}`);
cleanup(P);
