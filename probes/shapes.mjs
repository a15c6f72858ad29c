// Hand probe for `same-failure-same-decision` and the abort vocabulary: call a real openclaw release's
// runWithModelFallback DIRECTLY from its dist (no bridge, no simulation) with a `run` that throws one provider
// failure in one shape, and print what the driver decided.
//
//   node probes/shapes.mjs DIST_DIR [--json]
//
// The chain is openai/gpt-a -> anthropic/claude-b -> google/gemini-c; `cfg` is `{}`. For each failure (429,
// 529, 503, 500, 401, 402) and each shape (top-level status, behind `cause`, only in `response.status`, a
// status-less JSON body, a stream error event, `Unhandled stop reason: error`, openclaw's friendly text,
// `statusCode`, a string status, a thrown plain object) every attempt throws it: the row says how many runs
// there were, what onError saw and what the caller got — `summary` (FallbackSummaryError/FailoverError "All
// models failed") or `raw` (the thrown error itself). The same failure should get the same row whatever the
// shape. Then the aborts: one AbortError then success; `stops` = the call ended with the abort (a user stop),
// `falls back` = the second candidate ran. Shapes mirror simharness/model/vocabulary.py.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { distDir, load, locate, packageVersion } from "./locate.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const target = args.find((a) => !a.startsWith("--"));
if (!target) {
  process.stderr.write("usage: node probes/shapes.mjs DIST_DIR [--json]\n");
  process.exit(2);
}
const dist = distDir(path.resolve(target));
process.env.HOME = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-probe-home-"));
process.env.OPENCLAW_DISABLE_BUNDLED_PLUGINS ??= "1";
process.env.OPENCLAW_LOG_LEVEL ??= "silent";
process.env.TZ = "UTC";
const out = (line) => fs.writeSync(1, line + "\n");
for (const k of ["log", "info", "warn", "error", "debug", "trace"]) console[k] = () => {};
process.on("exit", () => fs.rmSync(process.env.HOME, { recursive: true, force: true }));

const located = locate(dist, ["runWithModelFallback"]);
if (!located.runWithModelFallback?.alias) {
  process.stderr.write(`${dist}: no exported runWithModelFallback\n`);
  process.exit(2);
}
const runWithModelFallback = await load(dist, located.runWithModelFallback);
const version = packageVersion(dist);

const FAILURES = {
  rate_limit: [429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", "⚠️ API rate limit reached. Please try again later.", "RESOURCE_EXHAUSTED"],
  overloaded: [529, "overloaded_error", "Overloaded", "The AI service is temporarily overloaded. Please try again in a moment.", "UNAVAILABLE"],
  unavailable: [503, "api_error", "Service Unavailable", "⚠️ Service Unavailable", "UNAVAILABLE"],
  internal: [500, "api_error", "Internal server error", "⚠️ Internal server error", "INTERNAL"],
  auth: [401, "authentication_error", "invalid x-api-key", "⚠️ invalid x-api-key", "UNAUTHENTICATED"],
  billing: [402, "billing_error", "Your credit balance is too low to access the API", "⚠️ API provider returned a billing error — your API key has run out of credits or has an insufficient balance. Check your provider's billing dashboard and top up or switch to a different API key.", "FAILED_PRECONDITION"],
};
const body = ([, type, message]) => ({ type: "error", error: { type, message } });
const text = (f) => JSON.stringify(body(f));
const SHAPES = {
  status: (f) => Object.assign(new Error(`${f[0]} ${text(f)}`), { name: "APIError", status: f[0] }),
  cause: (f) => new Error("LLM request failed", { cause: Object.assign(new Error(`${f[0]} ${text(f)}`), { name: "APIError", status: f[0] }) }),
  response: (f) => Object.assign(new Error(`Request failed with status code ${f[0]}`), { response: { status: f[0], data: body(f) } }),
  body: (f) => new Error(text(f)),
  stream: (f) => Object.assign(new Error(text(f)), { error: { type: "error", error: { type: f[1], message: f[2] } } }),
  finish_reason: () => new Error("Unhandled stop reason: error"),
  friendly: (f) => new Error(f[3]),
  status_code: (f) => Object.assign(new Error(f[2]), { statusCode: f[0] }),
  status_string: (f) => Object.assign(new Error(f[2]), { status: String(f[0]) }),
  plain: (f) => ({ error: { code: f[0], status: f[4], message: f[2] } }),
};
const chain = [["openai", "gpt-a"], ["anthropic", "claude-b"], ["google", "gemini-c"]];

async function drive(make, failures) {
  const runs = [];
  const onError = [];
  try {
    const r = await runWithModelFallback({
      cfg: {},
      provider: chain[0][0],
      model: chain[0][1],
      fallbacksOverride: chain.slice(1).map((c) => c.join("/")),
      run: async (p, m) => {
        runs.push(`${p}/${m}`);
        if (runs.length <= failures) throw make();
        return "ok";
      },
      onError: (a) => onError.push(a?.error?.reason ?? "raw"),
    });
    return { runs: runs.length, onError, outcome: `returned ${r?.result}` };
  } catch (e) {
    const summary = /^All models failed/.test(String(e?.message));
    return { runs: runs.length, onError, outcome: summary ? "summary" : "raw", error: `${e?.name}: ${String(e?.message).slice(0, 80)}` };
  }
}

const rows = [];
for (const [failure, f] of Object.entries(FAILURES)) {
  for (const [shape, make] of Object.entries(SHAPES)) rows.push({ version, failure, shape, ...(await drive(() => make(f), 3)) });
}
const ABORTS = {
  "AbortError 'aborted' (openclaw's test: a user abort)": () => Object.assign(new Error("aborted"), { name: "AbortError" }),
  "AbortError 'This operation was aborted' (Node's AbortController)": () => Object.assign(new Error("This operation was aborted"), { name: "AbortError" }),
  "DOMException AbortError (Node's AbortController, real)": () => new DOMException("This operation was aborted", "AbortError"),
  "AbortError reason 'reason: abort' (a provider abort)": () => Object.assign(new Error("aborted"), { name: "AbortError", reason: "reason: abort" }),
  "AbortError reason TimeoutError (the run's own deadline)": () =>
    Object.assign(new Error("This operation was aborted"), { name: "AbortError", reason: Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }) }),
};
for (const [shape, make] of Object.entries(ABORTS)) {
  const r = await drive(make, 1);
  rows.push({ version, failure: "abort", shape, ...r, outcome: r.runs > 1 ? "falls back" : "stops" });
}
for (const row of rows) {
  out(json ? JSON.stringify(row) : `${row.version}\t${row.failure}\t${row.shape}\truns=${row.runs}\tonError=${row.onError.join(",")}\t${row.outcome}`);
}
process.exit(0);
