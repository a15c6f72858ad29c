// Hand probe: import a release's dist directly, no bridge; throw the driver-loop shapes of
// issue 15 at runWithModelFallback and print what happened (runs, onError calls, thrown value).
// usage: node probes/fidelity/driver_loop.mjs 2026.5.20
import { readdirSync, readFileSync } from "node:fs";
const version = process.argv[2];
const dist = `${process.env.HOME}/.cache/simharness/targets/openclaw@${version}/package/dist`;
const file = readdirSync(dist).find((f) => /^model-fallback-.*\.(m?js)$/.test(f) && readFileSync(`${dist}/${f}`, "utf8").includes("async function runWithModelFallback"));
const src = readFileSync(`${dist}/${file}`, "utf8");
const exp = src.slice(src.lastIndexOf("export {"));
const alias = (name) => exp.match(new RegExp(`${name} as (\\w+)`))?.[1];
const mod = await import(`${dist}/${file}`);
const run_ = mod[alias("runWithModelFallback")];
const Switch = mod[alias("LiveSessionModelSwitchError")];
const Missing = mod[alias("MissingAgentHarnessError")];
const CHAIN = [["openai", "gpt-a"], ["anthropic", "claude-b"], ["google", "gemini-c"]];
const named = (name, message, extra = {}) => Object.assign(Object.assign(new Error(message), { name }), extra);
const cases = {
  "abort string reason 'deadline exceeded'": () => named("AbortError", "aborted", { reason: "deadline exceeded" }),
  "abort string reason 'reason: abort'": () => named("AbortError", "aborted", { reason: "reason: abort" }),
  "user abort (no reason)": () => named("AbortError", "aborted"),
  "command-lane timeout": () => named("CommandLaneTaskTimeoutError", 'Command lane "main" task timed out after 1000ms'),
  "missing harness": () => new Missing("codex"),
  "missing harness (same-named plain Error)": () => named("MissingAgentHarnessError", 'Requested agent harness "codex" is not registered.'),
  "switch to later candidate (google/gemini-c)": (n) => n === 1 ? new Switch({ provider: "google", model: "gemini-c" }) : "ok",
  "switch to current candidate": (n) => new Switch({ provider: "openai", model: "gpt-a" }),
  "switch on last (1-chain)": () => new Switch({ provider: "x", model: "y" }),
  "overflow only in cause": () => new Error("request failed", { cause: new Error("context length exceeded: prompt is too long") }),
  "422 No response body": () => Object.assign(new Error("422 status code (no body)"), { status: 422 }),
  "422 'No response body' message": () => Object.assign(new Error("No response body"), { status: 422 }),
  "summary attempts status/code": (n) => Object.assign(new Error("rate limited"), { status: 429, code: "rate_limit_exceeded" }),
  "unknown errors summary": () => new Error("bad request"),
};
const only = process.argv[3];
for (const [name, make] of Object.entries(cases)) {
  if (only && name !== only) continue;
  const chain = name.includes("1-chain") ? CHAIN.slice(0, 1) : CHAIN;
  const runs = [], onErrors = [];
  let n = 0;
  let out;
  try {
    const res = await run_({ cfg: {}, provider: chain[0][0], model: chain[0][1], fallbacksOverride: chain.slice(1).map((c) => c.join("/")),
      run: async (p, m) => { runs.push(`${p}/${m}`); n += 1; const v = make(n); if (typeof v === "string") return v; throw v; },
      onError: (e) => onErrors.push(`${e.provider}/${e.model}:${e.error?.name}`) });
    out = `returned ${JSON.stringify(res.result)} attempts=${JSON.stringify(res.attempts)}`;
  } catch (e) {
    out = `threw ${e?.name}: ${e?.message}` + (e?.attempts ? ` attempts=${JSON.stringify(e.attempts)}` : "") + (e?.reason ? ` reason=${e.reason}` : "") + (e instanceof Switch ? " [switch itself]" : "");
  }
  console.log(`${name}\n  runs=${runs.join(",")} onError=[${onErrors.join(",")}]\n  ${out}`);
}
process.exit(0);
