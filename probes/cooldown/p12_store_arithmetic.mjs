// p12: the store arithmetic of one release, case by case, for the Python port's tests (tests/test_store_policy.py).
// Reads cases as JSON on stdin: {name: [op, ...]} with op = ["fail", t, reason, model|null] | ["success", t] |
// ["query", t, model]; one key "prov-a:k1". Prints {name: [result per op]}: the stored entry after a write (times
// relative to the epoch), or for a query {inCooldown, reason, soonest, cleared}. Uses only the release's own
// functions (markAuthProfileFailure/Success, isProfileInCooldown, resolveProfilesUnavailableReason,
// getSoonestCooldownExpiry, clearExpiredCooldowns) and its runner's resolveAuthProfileFailureReason for "records".
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { setup, seed, readStats, clock, out, cleanup, locate, EPOCH } from "./lib.mjs";

const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const TIMES = ["cooldownUntil", "disabledUntil", "blockedUntil", "lastFailureAt", "lastUsed"];
const rel = (s) => {
  if (!s) return s;
  const o = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) o[k] = TIMES.includes(k) && typeof v === "number" ? v - EPOCH : v;
  return o;
};
const result = {};
let extra = null;
for (const [name, ops] of Object.entries(cases)) {
  const P = await setup(process.argv[2], { agentDir: true });
  if (!extra) {
    const w = locate(P.dist, ["getSoonestCooldownExpiry", "clearExpiredCooldowns"]);
    extra = {};
    for (const [n, x] of Object.entries(w)) extra[n] = (await import(pathToFileURL(path.join(P.dist, x.file)).href))[x.export];
  }
  seed(P, { "prov-a:k1": "prov-a" });
  const rows = [];
  for (const op of ops) {
    clock.set(op[1]);
    const store = P.S.ensureAuthProfileStore(P.agentDir);
    if (op[0] === "fail") {
      const recorded = P.profileFailureReason(op[2]);
      if (recorded) await P.S.markAuthProfileFailure({ store, profileId: "prov-a:k1", reason: recorded, cfg: {}, agentDir: P.agentDir, runId: "r", modelId: op[3] ?? undefined });
      rows.push({ recorded, stats: rel(readStats(P)["prov-a:k1"]) ?? null });
    } else if (op[0] === "success") {
      await P.markSuccess({ store, provider: "prov-a", profileId: "prov-a:k1", agentDir: P.agentDir });
      rows.push({ stats: rel(readStats(P)["prov-a:k1"]) ?? null });
    } else {
      const now = Date.now();
      const s = { usageStats: JSON.parse(JSON.stringify(readStats(P))), profiles: store.profiles };
      const soonest = extra.getSoonestCooldownExpiry(s, ["prov-a:k1"], { now, forModel: op[2] });
      const inCooldown = P.S.isProfileInCooldown(s, "prov-a:k1", now, op[2]);
      const reason = P.S.resolveProfilesUnavailableReason({ store: s, profileIds: ["prov-a:k1"], now });
      extra.clearExpiredCooldowns(s, now);
      rows.push({ inCooldown, reason, soonest: soonest === null ? null : soonest - EPOCH, cleared: rel(s.usageStats["prov-a:k1"]) ?? null });
    }
  }
  result[name] = rows;
  cleanup(P);
}
out(JSON.stringify(result));
