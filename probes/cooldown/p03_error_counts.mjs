// p03: do error counts reset? (#17853: "error counts never reset, so cooldowns escalate 1 -> 60 min")
// prov-a/m1 (primary, one key) keeps failing with REASON; prov-b/m2 serves. A call is made 1 s after each stored
// cooldown expires (so no probe and no success on prov-a in between): the window lengths show whether the
// runtime's backoff escalates across expiries. Then prov-a succeeds once (mark good) and fails again.
import { setup, seed, makeRun, fallback, readStats, clock, out, cleanup, EPOCH } from "./lib.mjs";
out(process.argv[2]);
for (const [reason, status] of [["rate_limit", 429], ["overloaded", 529]]) {
  const P = await setup(process.argv[2], { agentDir: true });
  seed(P, { "prov-a:k1": "prov-a", "prov-b:k1": "prov-b" });
  let healthy = false;
  const log = [];
  const run = makeRun(P, async (p) => (p === "prov-a" && !healthy ? { reason, status } : { ok: true, value: "reply" }), log);
  const windows = [];
  let t = 0;
  for (let i = 0; i < 9; i++) {
    clock.set(t);
    await fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run);
    const s = readStats(P)["prov-a:k1"];
    if (!s?.cooldownUntil) { windows.push("not recorded (no cooldown)"); break; }
    windows.push(`${Math.round((s.cooldownUntil - EPOCH - t) / 1000)}s(n=${s.errorCount},${JSON.stringify(s.failureCounts)})`);
    t = s.cooldownUntil - EPOCH + 1000;
  }
  clock.set(t);
  healthy = true;
  await fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  const afterGood = readStats(P)["prov-a:k1"];
  healthy = false;
  t += 1000;
  clock.set(t);
  await fallback(P, [["prov-a", "m1"], ["prov-b", "m2"]], run);
  const s = readStats(P)["prov-a:k1"] ?? {};
  out(`  ${reason.padEnd(10)} windows after each expiry: ${windows.join(" ")}`);
  out(`  ${"".padEnd(10)} after a success: errorCount=${afterGood.errorCount} failureCounts=${JSON.stringify(afterGood.failureCounts ?? null)} cooldownUntil=${afterGood.cooldownUntil ?? null}; next failure window ${Math.round((s.cooldownUntil - EPOCH - t) / 1000)}s (n=${s.errorCount})`);
  cleanup(P);
}
