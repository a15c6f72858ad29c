// p06: sessions sharing one store.
//  (a) 8 sessions call runWithModelFallback at the same instant; prov-a/m1 answers each with 429. Are all 8
//      failures counted (no lost update), and which deadline is stored?
//  (b) re-cooling (LiteLLM #40130's shape): a 429 at t=0, then at t=20 s another session's 429 (the provider now
//      says Retry-After 600 s). Which deadline survives: the first, shorter one, or the later, longer one?
import { setup, seed, makeRun, fallback, readStats, brief, clock, out, cleanup } from "./lib.mjs";
const P = await setup(process.argv[2], { agentDir: true });
seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
const log = [];
const run = makeRun(P, async (p) => (p === "prov-a" ? { reason: "rate_limit", status: 429, retryAfterMs: 600_000 } : { ok: true, value: "reply" }), log);
clock.set(0);
const t0 = performance.now();
const rs = await Promise.all(Array.from({ length: 8 }, () => fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run, {})));
const wall = performance.now() - t0;
const a1 = log.filter((e) => e.call === "prov-a/m1").length;
out(`${P.version} (a) 8 concurrent sessions: prov-a/m1 run() calls=${a1}, served=${rs.filter((r) => r.ok).length}/8, stored=${JSON.stringify(brief(readStats(P))["prov-a:k1"])} (wall ${Math.round(wall)} ms)`);
cleanup(P);

const Q = await setup(process.argv[2], { agentDir: true });
seed(Q, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
const log2 = [];
const run2 = makeRun(Q, async (p) => (p === "prov-a" ? { reason: "rate_limit", status: 429, retryAfterMs: 600_000 } : { ok: true, value: "reply" }), log2);
clock.set(0);
await fallback(Q, [["prov-a", "m1"], ["prov-b", "m2"]], run2);
const first = brief(readStats(Q))["prov-a:k1"];
// A second session at +20 s; its own chain starts with prov-b so it is not a primary probe: it uses prov-a/m1 as a
// fallback after prov-b fails (transient probe slot).
clock.set(20_000);
const run3 = makeRun(Q, async (p) => ({ reason: "rate_limit", status: 429, retryAfterMs: 600_000 }), log2);
await fallback(Q, [["prov-b", "m2"], ["prov-a", "m1"]], run3);
const second = brief(readStats(Q))["prov-a:k1"];
out(`${" ".repeat(Q.version.length)} (b) after 429 at t=0: until ${first.cooldownUntil} n=${first.errorCount}; after another 429 at t=20 s: until ${second.cooldownUntil} n=${second.errorCount}  (run() calls: ${log2.map((e) => `t=${e.t / 1000}s ${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(", ")})`);
cleanup(Q);
