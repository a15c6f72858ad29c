// p05: is every candidate either attempted or skipped with a recorded reason? (#25926: chain stopped after 2 of 17)
// 9 candidates over 5 providers; at t=10 s prov-1..prov-3 are cooling down (seeded, as left by earlier sessions:
// rate_limit, rate_limit, overloaded), prov-4 fails live with 503, prov-5/m-last is the only healthy one.
// Variant "all fail": prov-5 fails too; the summary must list all 9.
import { setup, seed, makeRun, fallback, clock, out, cleanup, EPOCH } from "./lib.mjs";
const chain = [["prov-1", "a"], ["prov-2", "a"], ["prov-2", "b"], ["prov-3", "a"], ["prov-3", "b"], ["prov-4", "a"], ["prov-4", "b"], ["prov-1", "b"], ["prov-5", "last"]];
const until = EPOCH + 60_000;
const cooling = {
  "prov-1:k": { cooldownUntil: until, cooldownReason: "rate_limit", errorCount: 1, failureCounts: { rate_limit: 1 }, lastFailureAt: EPOCH },
  "prov-2:k": { cooldownUntil: until, cooldownReason: "rate_limit", errorCount: 1, failureCounts: { rate_limit: 1 }, lastFailureAt: EPOCH },
  "prov-3:k": { cooldownUntil: until, cooldownReason: "overloaded", errorCount: 1, failureCounts: { overloaded: 1 }, lastFailureAt: EPOCH },
};
out(process.argv[2]);
for (const variant of ["last healthy", "all fail"]) {
  const P = await setup(process.argv[2], { agentDir: true });
  seed(P, { "prov-1:k": "prov-1", "prov-2:k": "prov-2", "prov-3:k": "prov-3", "prov-4:k": "prov-4", "prov-5:k": "prov-5" }, cooling);
  const log = [];
  const run = makeRun(P, async (p) => (p === "prov-5" && variant === "last healthy" ? { ok: true, value: "reply" } : { reason: p === "prov-4" || p === "prov-5" ? "overloaded" : "rate_limit", status: p === "prov-4" || p === "prov-5" ? 503 : 429 }), log);
  clock.set(10_000);
  const r = await fallback(P, chain, run);
  const covered = new Set([...r.attempts.map((a) => a.split(":")[0]), ...(r.ok ? [`${r.provider}/${r.model}`] : [])]);
  const missing = chain.map(([p, m]) => `${p}/${m}`).filter((k) => !covered.has(k));
  out(`  ${variant.padEnd(12)} ok=${r.ok} served=${r.ok ? `${r.provider}/${r.model}` : "-"} recorded=${r.attempts.length}/${chain.length} missing=${JSON.stringify(missing)}`);
  out(`  ${"".padEnd(12)} attempts=[${r.attempts.join(", ")}]`);
  out(`  ${"".padEnd(12)} run() calls=[${log.map((e) => `${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(", ")}]`);
  if (!r.ok) out(`  ${"".padEnd(12)} thrown: ${r.name}: ${r.message.slice(0, 160)}`);
  cleanup(P);
}
