// p11: the other reset, for releases where a fresh agentDir per run leaks (6.5-7.35: SQLite handles per agent
// database and no exported close hook; p08 measured +4 fds per run). One agentDir for all runs; before each run
// the store is re-seeded (saveAuthProfileStore replaces it) and the virtual epoch moves forward by 25 h, so the
// previous run's probe-throttle entry is older than the throttle's 24 h TTL and is pruned on first use.
// Reports: whether every run behaves like run 1, and fds/heap. argv: VERSION [N]
import { setup, seed, makeRun, fallback, clock, out, cleanup, EPOCH } from "./lib.mjs";
import fs from "node:fs";
const P = await setup(process.argv[2], { agentDir: true });
const N = Number(process.argv[3] ?? 200);
const SHIFT = 25 * 3600 * 1000;
const fds = () => fs.readdirSync("/proc/self/fd").length;
const results = [];
const fd0 = fds();
for (let i = 0; i < N; i++) {
  const base = i * SHIFT;
  const cooling = { "prov-a:k1": { cooldownUntil: EPOCH + base + 60_000, cooldownReason: "rate_limit", cooldownModel: "m1", errorCount: 1, failureCounts: { rate_limit: 1 }, lastFailureAt: EPOCH + base } };
  clock.set(base);
  seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" }, cooling);
  const log = [];
  const run = makeRun(P, async (p) => (p === "prov-a" ? { reason: "rate_limit", status: 429 } : { ok: true, value: "fallback" }), log);
  clock.set(base + 10_000);
  await fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  // same call again 5 s later inside the run: the throttle must now be closed (it is per run, not gone)
  clock.set(base + 15_000);
  await fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  results.push(log.map((e) => `${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(","));
  if (i === 0 || i === N - 1) { globalThis.gc?.(); out(`${P.version} run ${i + 1}: ${results.at(-1)} fds=${fds()} (start ${fd0}) heapMB=${Math.round(process.memoryUsage().heapUsed / 1e6)}`); }
}
out(`${P.version} ${N} runs on one agentDir with a 25 h epoch shift per run: all identical to run 1: ${new Set(results).size === 1}`);
cleanup(P);
