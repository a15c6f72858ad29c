// p04: "mark good" wiping a cooldown (#84457's consequence), with the release's own store functions.
//  (i)  markAuthProfileFailure(rate_limit, m1) then markAuthProfileSuccess on the same profile, same instant:
//       the 5.x-7.x embedded runner's unguarded "done" branch does exactly this when an errored turn falls
//       through handleAssistantFailover to continue_normal (static reading; the runner itself is not run here).
//  (ii) through runWithModelFallback: m1 (429) then sibling m2 (ok) on the same key; a second call 5 s later
//       asks for m1 again: is m1 (still inside its 30 s cooldown) attempted?
import { setup, seed, makeRun, fallback, readStats, brief, clock, out, cleanup } from "./lib.mjs";
const P = await setup(process.argv[2], { agentDir: true });
let store = seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
clock.set(0);
store = P.S.ensureAuthProfileStore(P.agentDir);
await P.S.markAuthProfileFailure({ store, profileId: "prov-a:k1", reason: "rate_limit", cfg: {}, agentDir: P.agentDir, runId: "r", modelId: "m1" });
const afterFail = brief(readStats(P))["prov-a:k1"];
store = P.S.ensureAuthProfileStore(P.agentDir);
await P.markSuccess({ store, provider: "prov-a", profileId: "prov-a:k1", agentDir: P.agentDir });
const afterGood = brief(readStats(P))["prov-a:k1"];
out(`${P.version} (i) after failure: ${JSON.stringify(afterFail)}\n${" ".repeat(P.version.length)}     after success: ${JSON.stringify(afterGood)}`);
cleanup(P);

const Q = await setup(process.argv[2], { agentDir: true });
seed(Q, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
const log = [];
const run = makeRun(Q, async (p, m) => (m === "m1" ? { reason: "rate_limit", status: 429 } : { ok: true, value: "reply" }), log);
clock.set(0);
await fallback(Q, [["prov-a", "m1"], ["prov-a", "m2"], ["prov-b", "m9"]], run);
clock.set(5000);
log.length = 0;
await fallback(Q, [["prov-a", "m1"], ["prov-b", "m9"]], run);
out(`${" ".repeat(P.version.length)} (ii) 5 s later, inside m1's 30 s cooldown: run() calls=[${log.map((e) => `${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(", ")}]`);
cleanup(Q);
