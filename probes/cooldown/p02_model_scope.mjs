// p02: model-scoped vs provider-wide cooldowns on one shared key (prov-a:k1).
//  (a) one call, chain a/m1 -> a/m2 -> b/m9: m1 fails with REASON, m2 is healthy. Is m2 reached?   (#10375/#56112)
//  (b) one call, chain a/m1 -> a/m2 -> a/m3 -> b/m9: m1 and m2 fail with REASON, m3 healthy. Is m3 reached? (#141255)
//  (c) another session 5 s after (a) asks for a/m2 first (chain a/m2 -> b/m9). Is its healthy primary used?
import { setup, seed, makeRun, fallback, readStats, brief, clock, out, cleanup } from "./lib.mjs";
const REASONS = { rate_limit: 429, overloaded: 529, model_not_found: 404 };
out(`${process.argv[2]}`);
for (const [reason, status] of Object.entries(REASONS)) {
  for (const scenario of ["a", "b", "c"]) {
    const P = await setup(process.argv[2], { agentDir: true }); // own agentDir: the probe throttle is keyed by it
    seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
    const failing = scenario === "b" ? new Set(["m1", "m2"]) : new Set(["m1"]);
    const log = [];
    const world = async (provider, model) => (failing.has(model) ? { reason, status } : { ok: true, value: "reply" });
    const run = makeRun(P, world, log);
    clock.set(0);
    let r = await fallback(P, scenario === "b" ? [["prov-a", "m1"], ["prov-a", "m2"], ["prov-a", "m3"], ["prov-b", "m9"]] : [["prov-a", "m1"], ["prov-a", "m2"], ["prov-b", "m9"]], run);
    let second = "";
    if (scenario === "c") {
      clock.set(5000);
      log.length = 0;
      r = await fallback(P, [["prov-a", "m2"], ["prov-b", "m9"]], run);
      second = " (second session)";
    }
    const calls = log.map((e) => `${e.call}=${e.outcome}${e.probe ? "[probe]" : ""}`).join(", ");
    out(`  ${reason.padEnd(15)} (${scenario})${second} served=${r.ok ? `${r.provider}/${r.model}` : "none"}  attempts=[${r.attempts.join(", ")}]  run() calls=[${calls}]  k1=${JSON.stringify(brief(readStats(P))["prov-a:k1"])}`);
    cleanup(P);
  }
}
