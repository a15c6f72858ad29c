// p07: the module-global probe throttle (lastProbeAttempt: one probe of a cooling primary per 30 s per
// `${agentDir}::${provider}`), and how to reset it between runs so runs replay.
// A "run" here = seed a fresh store (primary prov-a cooling until +60 s, rate_limit), set the clock to +10 s,
// call once (chain prov-a/m1 -> prov-b/m2). Run 1 probes the primary. Run 2 repeats run 1 exactly:
//   same agentDir            -> does it still probe? (the throttle entry from run 1 leaks)
//   fresh agentDir per run   -> key differs, so no leak
//   re-imported chunk        -> `import(chunk + "?run=N")`: a fresh module instance, fresh Map
import { setup, seed, makeRun, fallback, clock, out, cleanup, EPOCH } from "./lib.mjs";
import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
const cooling = { "prov-a:k1": { cooldownUntil: EPOCH + 60_000, cooldownReason: "rate_limit", cooldownModel: "m1", errorCount: 1, failureCounts: { rate_limit: 1 }, lastFailureAt: EPOCH } };
const P = await setup(process.argv[2], { agentDir: true });
async function oneRun(agentDir, rwmf = P.S.runWithModelFallback) {
  const Q = { ...P, agentDir, S: { ...P.S, runWithModelFallback: rwmf } };
  fs.mkdirSync(agentDir, { recursive: true });
  seed(Q, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" }, cooling);
  const log = [];
  const run = makeRun(Q, async (p) => (p === "prov-a" ? { ok: true, value: "recovered" } : { ok: true, value: "fallback" }), log);
  clock.set(10_000);
  const r = await fallback(Q, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  return `${r.provider}/${r.model}${log.find((e) => e.call === "prov-a/m1")?.probe ? " (primary probed)" : " (primary skipped)"}`;
}
const d = (n) => path.join(P.tmp, `agent-${n}`);
const same1 = await oneRun(d("same"));
const same2 = await oneRun(d("same"));
const fresh2 = await oneRun(d("fresh-2"));
const chunk = pathToFileURL(path.join(P.dist, P.where.runWithModelFallback.file)).href;
const reimported = (await import(`${chunk}?run=2`))[P.where.runWithModelFallback.export];
const reimp2 = await oneRun(d("same"), reimported);
out(`${P.version} run1=${same1} | run2 same agentDir=${same2} | run2 fresh agentDir=${fresh2} | run2 same agentDir, re-imported chunk=${reimp2}`);
cleanup(P);
