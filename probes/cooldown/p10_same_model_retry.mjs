// p10: how long can one turn stay on one rate-limited model before the driver sees the failure? (#59303, #49811)
// 9.1+ embedded runners retry a transient failure on the same model ("transient same-model retry n/9") before
// throwing to runWithModelFallback. The runner is not exported, so this probe evaluates the dist's own
// `resolveTransientRetryDelayMs` (its source text and constants, extracted from the chunk) and applies the
// controller's stated rules (read next to it in the same chunk): rate_limit budget 9, no 90 s window for
// rate_limit, and "Retry-After > retry.provider.maxRetryDelayMs (default 60 000) with fallbacks configured ->
// fail over". Math.random is pinned to 0.5 (jitter factor 1.0).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
const v = process.argv[2];
const dist = path.join(os.homedir(), ".cache/simharness/targets", `openclaw@${v}`, "package", "dist");
const file = fs.readdirSync(dist).find((f) => /\.m?js$/.test(f) && fs.readFileSync(path.join(dist, f), "utf8").includes("function resolveTransientRetryDelayMs("));
if (!file) { console.log(`${v} no same-model transient retry controller (resolveTransientRetryDelayMs absent)`); process.exit(0); }
const src = fs.readFileSync(path.join(dist, file), "utf8");
if (!src.includes("params.elapsedMs === void 0 ? Infinity")) {
  // Older form: a 90 s window bounds every reason, rate limits included; the 9.6 controller rules below do not apply.
  console.log(`${v} (${file}) older retry form: every same-model retry bounded by the 90 s window; not evaluated`);
  process.exit(0);
}
const consts = ["MAX_TRANSIENT_RETRY_TIME_MS", "TRANSIENT_RETRY_BASE_DELAY_MS", "TRANSIENT_RETRY_MAX_DELAY_MS"].map((n) => src.match(new RegExp(`const ${n} = [^;]+;`))[0]).join("\n");
const fn = src.slice(src.indexOf("function resolveTransientRetryDelayMs("), src.indexOf("\n}\n", src.indexOf("function resolveTransientRetryDelayMs(")) + 2);
const resolve = new Function("Math", `${consts}\n${fn}\nreturn resolveTransientRetryDelayMs;`)(Object.assign(Object.create(Math), { random: () => 0.5 }));
const capDefault = /maxRetryDelayMs \?\? (\d+e?\d*)/.exec(fs.readdirSync(dist).map((f) => (/\.m?js$/.test(f) ? fs.readFileSync(path.join(dist, f), "utf8") : "")).join("\n").match(/maxRetryDelayMs: this\.settings\.retry\?\.provider\?\.maxRetryDelayMs \?\? [0-9e]+/)?.[0] ?? "")?.[1];
const cap = capDefault ? Number(capDefault) : undefined;
// The controller's stated rules, checked in this release's own text (else the numbers below would be 9.6's).
const all = fs.readdirSync(dist).filter((f) => /\.m?js$/.test(f)).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("\n");
const rules = { budget9: all.includes("rateLimit ? 9 : MAX_TRANSIENT_RETRIES"), rateLimitNoWindow: /elapsedMs: rateLimit \|\| retry\.reason === "output_limit" \? void 0/.test(all), capFailover: all.includes("retry_delay_exceeds_cap") };
if (!rules.budget9 || !rules.rateLimitNoWindow || !rules.capFailover) { console.log(`${v} controller rules differ from 9.6's ${JSON.stringify(rules)}; not evaluated`); process.exit(0); }
const budget = 9;
const rows = [];
for (const retryAfterMs of [0, 30_000, 60_000, 61_000, 7_198_000]) {
  for (const fallbackConfigured of [true, false]) {
    let total = 0, n = 0;
    if (!(fallbackConfigured && cap !== undefined && retryAfterMs > cap)) {
      for (; n < budget; n++) {
        const d = resolve({ retryNumber: n + 1, retryAfterMs, elapsedMs: undefined });
        if (d === undefined) break;
        total += d;
      }
    }
    rows.push(`RA=${retryAfterMs / 1000}s fallbacks=${fallbackConfigured ? "yes" : "no "}: ${n} same-model retries, ${(total / 60000).toFixed(1)} min on the model`);
  }
}
console.log(`${v} (${file}; cap default ${cap ?? "none found"} ms)\n  ${rows.join("\n  ")}`);
