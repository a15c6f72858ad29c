// p01: a 429 with Retry-After (10 min) on the primary; later calls inside that window; expiry.
// Shows: what cooldown the release stores (does it use Retry-After?), when the primary is attempted again
// (skip / probe / normal) and the probe throttle. Chain: prov-a/m1 (primary) -> prov-b/m2. One key each.
import { setup, seed, makeRun, fallback, readStats, brief, clock, out, cleanup } from "./lib.mjs";
const P = await setup(process.argv[2]);
seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
const RETRY_AFTER_MS = 600_000;
const log = [];
const world = async (provider) => (provider === "prov-a" ? { reason: "rate_limit", status: 429, retryAfterMs: RETRY_AFTER_MS } : { ok: true, value: "reply" });
const run = makeRun(P, world, log);
const chain = [["prov-a", "m1"], ["prov-b", "m2"]];
const res = [];
for (const t of [0, 10_000, 15_000, 45_000, 80_000, 200_000, 400_000, 700_000]) {
  clock.set(t);
  const before = log.length;
  const r = await fallback(P, chain, run);
  const primary = log.slice(before).find((e) => e.call === "prov-a/m1");
  res.push({ t_s: t / 1000, primaryAttempted: primary ? (primary.probe ? "probe" : "normal") : "skipped", servedBy: r.ok ? `${r.provider}/${r.model}` : "none", prova: brief(readStats(P))["prov-a:k1"] });
}
const attemptsInsideRetryAfter = res.filter((r) => r.t_s > 0 && r.t_s * 1000 < RETRY_AFTER_MS && r.primaryAttempted !== "skipped").map((r) => r.t_s);
out(`${P.version}  Retry-After ${RETRY_AFTER_MS / 1000}s on prov-a/m1 (chain prov-a/m1 -> prov-b/m2)`);
for (const r of res) out(`  t=${String(r.t_s).padStart(4)}s primary=${r.primaryAttempted.padEnd(7)} served=${r.servedBy.padEnd(9)} store: ${JSON.stringify(r.prova)}`);
out(`  primary attempted inside the Retry-After window at t(s)=${JSON.stringify(attemptsInsideRetryAfter)}`);
cleanup(P);
