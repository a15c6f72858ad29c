// Hand probe (issue 15, terminal-stops): what a real openclaw release hands its caller, and reports to onError,
// when `run` throws a TERMINAL error: the very same object, a coerced error wrapping it, or something else.
//
//   node probes/terminal/terminal.mjs DIST_DIR [--json]
//
// No harness code: runWithModelFallback is imported straight from the release's dist (probes/locate.mjs).
// Chain openai/gpt-a -> anthropic/claude-b -> google/gemini-c, cfg {}. Each terminal kind is thrown at three
// positions: `first` (attempt 1, two candidates left), `second` (attempt 1 failed with a 429, attempt 2 throws
// it), `last` (attempts 1 and 2 failed with a 429, attempt 3 throws it). Shapes as simharness's world builds
// them (simharness/model/vocabulary.py, model/errors.py) plus openclaw's own test shapes where they differ.
// Per probe: runs, onError count and what each onError got (the terminal error itself? wrapping it?), and the
// caller's error: `same` (the very object), else its name/message/reason and where the terminal error sits in
// its cause/error/reason chain (`chain: cause` = err.cause === thrown; null = nowhere: a copy or made up).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { distDir, load, locate, packageVersion } from "../locate.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const target = args.find((a) => !a.startsWith("--"));
if (!target) {
  process.stderr.write("usage: node probes/terminal/terminal.mjs DIST_DIR [--json]\n");
  process.exit(2);
}
const dist = distDir(path.resolve(target));
process.env.HOME = fs.mkdtempSync(path.join(os.tmpdir(), "openclaw-probe-home-"));
process.env.OPENCLAW_DISABLE_BUNDLED_PLUGINS ??= "1";
process.env.OPENCLAW_LOG_LEVEL ??= "silent";
process.env.TZ = "UTC";
const out = (line) => fs.writeSync(1, line + "\n");
for (const k of ["log", "info", "warn", "error", "debug", "trace"]) console[k] = () => {};
process.stdout.write = (chunk, encoding, callback) => {
  const cb = typeof encoding === "function" ? encoding : callback;
  if (cb) cb();
  return true;
};
process.on("exit", () => fs.rmSync(process.env.HOME, { recursive: true, force: true }));

const located = locate(dist, ["runWithModelFallback", "CommandLaneTaskTimeoutError", "MissingAgentHarnessError"]);
if (!located.runWithModelFallback?.alias) {
  process.stderr.write(`${dist}: no exported runWithModelFallback\n`);
  process.exit(2);
}
const runWithModelFallback = await load(dist, located.runWithModelFallback);
const version = packageVersion(dist);

async function klass(name) {
  const where = located[name];
  let real;
  try {
    real = where ? await load(dist, where) : undefined;
  } catch {}
  if (typeof real === "function") return { how: "real", C: real };
  return { how: where ? "by name (not exported)" : "by name (not defined)", C: { [name]: class extends Error {} }[name] };
}
const lane = await klass("CommandLaneTaskTimeoutError");
const harness = await klass("MissingAgentHarnessError");

const named = (message, name, fields = {}) => Object.assign(new Error(message), { name }, fields);
const withCause = (e, cause) => {
  Object.defineProperty(e, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
  return e;
};
const OVERFLOW = "context length exceeded: prompt is too long: 212000 tokens > 200000 maximum";
const overflow = () => named(OVERFLOW, "APIError", { status: 400 });

// kind -> {make(), callerAbort?: the caller's abortSignal fires with the error first (the bridge's abortCaller)}
const KINDS = {
  // world: vocabulary.user_abort(): AbortError "aborted", caller_aborted (the bridge aborts the caller's signal with it)
  user_abort: { make: () => named("aborted", "AbortError"), callerAbort: true },
  // openclaw's own test "does not fall back on user aborts": the same error, no caller signal passed
  "user_abort (no signal)": { make: () => named("aborted", "AbortError") },
  // world: vocabulary.command_lane_timeout("main", 60000)
  command_lane_timeout: {
    make: () => {
      if (lane.how === "real") return new lane.C("main", 60000);
      const e = new lane.C('Command lane "main" task timed out after 60000ms');
      e.name = "CommandLaneTaskTimeoutError";
      return e;
    },
  },
  // world: errors.context_overflow(): APIError 400 (a provider fault, wrap.provider "none")
  context_overflow: { make: overflow },
  // openclaw-derived shape: the overflow text with a status and no name
  "context_overflow (bare Error)": { make: () => Object.assign(new Error("prompt is too long: 150000 tokens > 128000 maximum"), { status: 400 }) },
  // world: vocabulary.overflow_cause(): Error "LLM request failed", cause = the 400 overflow
  overflow_cause: { make: () => withCause(new Error("LLM request failed"), overflow()) },
  // the fidelity case: the cause has the overflow text and no status
  "overflow_cause (no status)": { make: () => withCause(new Error("embedded run failed"), new Error("prompt is too long: 150000 tokens > 128000 maximum")) },
  // world: wrap.provider "abort" around a context overflow: AbortError whose reason is the 400
  abort_overflow: { make: () => named("This operation was aborted", "AbortError", { reason: overflow() }) },
  // world: vocabulary.missing_harness("codex") (harness-fails-closed already requires identity; a control)
  missing_harness: {
    make: () => {
      if (harness.how === "real") {
        try {
          return new harness.C("codex");
        } catch {}
      }
      const e = new harness.C('Requested agent harness "codex" is not registered.');
      e.name = "MissingAgentHarnessError";
      e.harnessId = "codex";
      return e;
    },
  },
  // world: vocabulary.budget_abort(): the run's own deadline, an AbortError whose reason is a TimeoutError.
  // The oracle calls it a timeout (advance), not terminal: probed as a control.
  budget_abort: {
    make: () => named("This operation was aborted", "AbortError", { reason: named("The operation was aborted due to timeout", "TimeoutError", { timeoutMs: 60000 }) }),
  },
};

const CHAIN = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"];
const POSITIONS = { first: 0, second: 1, last: 2 };
const rate429 = () => named("HTTP 429: RESOURCE_EXHAUSTED: quota exceeded, retry later", "APIError", { status: 429, code: "RESOURCE_EXHAUSTED" });

/** Where `needle` sits in `err`'s cause/error/reason links (breadth first, depth 6): "cause", "cause.cause", ... or null. */
function pathTo(err, needle) {
  let frontier = [[err, ""]];
  const seen = new Set();
  for (let d = 0; d < 6 && frontier.length; d++) {
    const next = [];
    for (const [node, p] of frontier) {
      if (!node || typeof node !== "object" || seen.has(node)) continue;
      seen.add(node);
      if (node === needle) return p || "(itself)";
      for (const link of ["cause", "error", "reason"]) {
        let v;
        try {
          v = node[link];
        } catch {}
        if (v && typeof v === "object") next.push([v, p ? `${p}.${link}` : link]);
      }
    }
    frontier = next;
  }
  return null;
}

async function probe(spec, at) {
  const order = [];
  const reports = [];
  let terminal;
  const controller = new AbortController();
  const call = runWithModelFallback({
    cfg: {},
    provider: "openai",
    model: "gpt-a",
    fallbacksOverride: CHAIN.slice(1),
    abortSignal: controller.signal,
    run: async (provider, model) => {
      order.push(`${provider}/${model}`);
      if (order.length - 1 < at) throw rate429();
      if (order.length - 1 > at) return "ok";
      terminal = spec.make();
      if (spec.callerAbort) controller.abort(terminal);
      throw terminal;
    },
    onError: (a) => reports.push(a?.error),
  });
  let timer;
  const hang = new Promise((resolve) => (timer = setTimeout(() => resolve({ hung: true }), 15000)));
  const outcome = await Promise.race([call.then((value) => ({ value }), (error) => ({ error })), hang]);
  clearTimeout(timer);
  const onErrorTerminal = terminal ? reports.map((e) => pathTo(e, terminal)).filter((p) => p !== null) : [];
  const row = { runs: order.length, onError: reports.length, onErrorTerminal };
  if (outcome.hung) return { ...row, outcome: "hung" };
  if ("value" in outcome) return { ...row, outcome: "returned" };
  const err = outcome.error;
  const same = err === terminal;
  const reason = err && typeof err === "object" ? err.reason : undefined;
  return {
    ...row,
    outcome: "threw",
    same,
    name: err?.name,
    message: String(err?.message ?? err).slice(0, 160),
    reason: typeof reason === "string" ? reason : reason && typeof reason === "object" ? `[${reason.name}]` : undefined,
    chain: same ? "(itself)" : terminal ? pathTo(err, terminal) : null,
    copy: !same && err?.name === terminal?.name && err?.message === terminal?.message,
  };
}

const rows = [];
for (const [kind, spec] of Object.entries(KINDS)) {
  for (const [position, at] of Object.entries(POSITIONS)) {
    rows.push({ version, kind, position, lane: lane.how, ...(await probe(spec, at)) });
  }
}
if (json) for (const r of rows) out(JSON.stringify(r));
else {
  out(`openclaw ${version}; Node ${process.version}; CommandLaneTaskTimeoutError ${lane.how}; MissingAgentHarnessError ${harness.how}`);
  out(["kind", "position", "runs", "onError", "onError(terminal at)", "caller got"].join("\t"));
  for (const r of rows) {
    const got =
      r.outcome !== "threw"
        ? r.outcome
        : r.same
          ? "THE SAME error"
          : `${r.name}${r.reason ? ` (reason ${r.reason})` : ""}: ${r.message.slice(0, 70)} | terminal at: ${r.chain ?? "NOWHERE"}`;
    out([r.kind, r.position, r.runs, r.onError, r.onErrorTerminal.join(",") || "-", got].join("\t"));
  }
}
process.exit(0);
