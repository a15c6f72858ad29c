// Hand probes: call a real openclaw release's runWithModelFallback DIRECTLY from its dist (no bridge, no
// simulation) with a `run` that always throws a given error graph, and print what happened.
//
//   node probes/run.mjs DIST_DIR [--json] [--only SUBSTRING]
//
// DIST_DIR is an unpacked openclaw package (or its dist/), e.g. ~/.cache/simharness/targets/openclaw@2026.9.6/package.
// The chain is openai/gpt-a -> anthropic/claude-b -> google/gemini-c; `cfg` is `{}`. For each coordination
// kind the release DEFINES (class, or the stale-lifecycle factory), every shape is probed: bare, behind
// cause / error / reason, as an AbortError's reason, in an AggregateError's errors[], as a SuppressedError's
// suppressed, five causes deep, and inside explicit provider metadata (429 RESOURCE_EXHAUSTED via cause and
// error, 503 and 529 with a status). The contract (DESIGN.md): a coordination error => exactly one run, the
// very same object rethrown, no onError; explicit metadata => the chain advances through every candidate.
// Errors are built with the release's own constructors when it exports the class, otherwise as an Error
// subclass of that exact name (how the release itself recognises those: by name).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { distDir, load, locate, packageVersion } from "./locate.mjs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const target = args.find((a) => !a.startsWith("--") && a !== only);
if (!target) {
  process.stderr.write("usage: node probes/run.mjs DIST_DIR [--json] [--only SUBSTRING]\n");
  process.exit(2);
}
const dist = distDir(path.resolve(target));

// The probe's environment: no user config, auth profiles or plugins of this machine (as the bridge does).
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

// --- the coordination kinds (names as simharness/model/errors.py calls them) --------------------------------
const SESSION = "/tmp/sessions/sess-a.jsonl";
const KINDS = {
  takeover: { cls: "EmbeddedAttemptSessionTakeoverError", real: (C) => new C(SESSION), message: `session file changed while embedded prompt lock was released: ${SESSION}` },
  lock_timeout: {
    cls: "SessionWriteLockTimeoutError",
    real: (C) => new C({ timeoutMs: 60000, owner: "pid=4242", lockPath: `${SESSION}.lock` }),
    message: `session file locked (timeout 60000ms): pid=4242 ${SESSION}.lock`,
    code: "OPENCLAW_SESSION_WRITE_LOCK_TIMEOUT",
  },
  lock_stale: {
    cls: "SessionWriteLockStaleError",
    real: (C) => new C({ owner: "pid=4242", lockPath: `${SESSION}.lock`, staleReasons: ["dead-pid"] }),
    message: `session file lock stale (dead-pid): pid=4242 ${SESSION}.lock`,
    code: "OPENCLAW_SESSION_WRITE_LOCK_STALE",
  },
  session_file_owner_timeout: {
    cls: "EmbeddedAttemptSessionFileOwnerTimeoutError",
    real: (C) => new C(SESSION, 60000),
    message: `timed out waiting for embedded session file owner after 60000ms: ${SESSION}`,
  },
  gateway_draining: { cls: "GatewayDrainingError", real: (C) => new C(), message: "Gateway is draining; new tasks are not accepted" },
  worker_runner_unavailable: {
    cls: "WorkerRunnerUnavailableError",
    real: (C) => new C(),
    message: "The device runner is offline. Reconnect it, retry later, or bring the session back to this gateway.",
    code: "runner-offline",
  },
  worker_runner_capacity: { cls: "WorkerRunnerCapacityError", real: (C) => new C(), message: "device worker capacity remained full", code: "WORKER_CAPACITY_EXHAUSTED" },
  worker_workspace_reconciliation: {
    cls: "WorkerWorkspaceReconciliationError",
    real: (C) => new C("Cloud worker workspace recovery could not complete: checkout diverged"),
    message: "Cloud worker workspace recovery could not complete: checkout diverged",
  },
  active_turn_claim: { cls: "ActiveTurnClaimError", real: (C) => new C("sess-a"), message: "Session sess-a already has an active turn claim" },
  session_superseded: {
    cls: "AgentHarnessSessionSupersededError",
    real: (C) => new C("agent harness session superseded: sess-a"),
    message: "agent harness session superseded: sess-a",
  },
  transcript_claim_rebound: {
    cls: "SessionTranscriptWriterClaimReboundError",
    real: (C) => new C(),
    message: "session writer claim changed before transcript persistence",
  },
  harness_preflight: {
    cls: "AgentHarnessPreflightError",
    real: (C) => new C("The pinned runtime's native session ownership is unavailable. Reattach the original native session instead of starting a replacement model run."),
    message: "The pinned runtime's native session ownership is unavailable. Reattach the original native session instead of starting a replacement model run.",
  },
  // No class: an Error named AbortError with a code, made by a factory.
  stale_lifecycle: { factory: "createAgentRunStaleLifecycleError", message: "Agent run belongs to a stale gateway lifecycle", code: "ERR_STALE_GATEWAY_LIFECYCLE", name: "AbortError" },
};

const located = locate(dist, ["runWithModelFallback", ...Object.values(KINDS).map((k) => k.cls ?? k.factory)]);
if (!located.runWithModelFallback?.alias) {
  process.stderr.write(`${dist}: no exported runWithModelFallback\n`);
  process.exit(2);
}
const runWithModelFallback = await load(dist, located.runWithModelFallback);
const version = packageVersion(dist);

const makers = {}; // kind -> {how: "real" | "by name", make()}
for (const [kind, spec] of Object.entries(KINDS)) {
  const where = located[spec.cls ?? spec.factory];
  if (!where) continue; // the release does not define it: not a kind it can throw
  let real;
  try {
    real = await load(dist, where);
  } catch {}
  if (spec.factory && typeof real === "function") makers[kind] = { how: "real", make: () => real() };
  else if (spec.factory)
    makers[kind] = {
      how: "by hand",
      make: () => Object.assign(new Error(spec.message), { name: spec.name, code: spec.code }),
    };
  else if (typeof real === "function") makers[kind] = { how: "real", make: () => spec.real(real) };
  else {
    const Named = { [spec.cls]: class extends Error {} }[spec.cls];
    makers[kind] = {
      how: "by name",
      make: () => {
        const e = new Named(spec.message);
        e.name = spec.cls;
        if (spec.code) e.code = spec.code;
        return e;
      },
    };
  }
}

// --- shapes ---------------------------------------------------------------------------------------------
const wrapped = (inner, link) => {
  const e = new Error(`embedded run failed: ${inner.message}`);
  if (link === "cause") Object.defineProperty(e, "cause", { value: inner, writable: true, configurable: true, enumerable: false });
  else e[link] = inner;
  return e;
};
const apiError = (message, fields) => Object.assign(new Error(message), { name: "APIError" }, fields);
const rate429 = () => apiError("HTTP 429: RESOURCE_EXHAUSTED: quota exceeded, retry later", { status: 429, code: "RESOURCE_EXHAUSTED" });
const withLink = (outer, inner, link) => {
  if (link === "cause") Object.defineProperty(outer, "cause", { value: inner, writable: true, configurable: true, enumerable: false });
  else outer[link] = inner;
  return outer;
};

export const SHAPES = {
  bare: { expect: "coordination", make: (inner) => inner },
  cause: { expect: "coordination", make: (inner) => wrapped(inner, "cause") },
  error: { expect: "coordination", make: (inner) => wrapped(inner, "error") },
  reason: { expect: "coordination", make: (inner) => wrapped(inner, "reason") },
  abort: { expect: "coordination", make: (inner) => Object.assign(new Error("This operation was aborted"), { name: "AbortError", reason: inner }) },
  "errors[]": { expect: "coordination", make: (inner) => new AggregateError([inner], `embedded run failed: ${inner.message}`) },
  suppressed: {
    expect: "coordination",
    make: (inner) => Object.assign(new Error(`embedded run failed: ${inner.message}`), { name: "SuppressedError", suppressed: inner, error: undefined }),
  },
  deep5: { expect: "coordination", make: (inner) => [1, 2, 3, 4, 5].reduce((e) => wrapped(e, "cause"), inner) },
  "429/cause": { expect: "advance", make: (inner) => withLink(rate429(), inner, "cause") },
  "429/error": { expect: "advance", make: (inner) => withLink(rate429(), inner, "error") },
  "503/cause": { expect: "advance", make: (inner) => withLink(apiError("HTTP 503: service unavailable", { status: 503 }), inner, "cause") },
  "529/cause": { expect: "advance", make: (inner) => withLink(apiError("HTTP 529: overloaded_error: Overloaded", { status: 529 }), inner, "cause") },
};

const CHAIN = ["openai/gpt-a", "anthropic/claude-b", "google/gemini-c"];

async function probe(makeError) {
  const thrown = [];
  const order = [];
  let onError = 0;
  const call = runWithModelFallback({
    cfg: {},
    provider: "openai",
    model: "gpt-a",
    fallbacksOverride: CHAIN.slice(1),
    run: async (provider, model) => {
      order.push(`${provider}/${model}`);
      const err = makeError();
      thrown.push(err);
      throw err;
    },
    onError: () => {
      onError += 1;
    },
  });
  let timer;
  const hang = new Promise((resolve) => (timer = setTimeout(() => resolve({ hung: true }), 15000)));
  const outcome = await Promise.race([call.then((value) => ({ value }), (error) => ({ error })), hang]);
  clearTimeout(timer);
  const result = { runs: order.length, order, onError };
  if (outcome.hung) return { ...result, outcome: "hung (15 s)" };
  if ("value" in outcome) return { ...result, outcome: "returned" };
  const err = outcome.error;
  const same = thrown.indexOf(err);
  return { ...result, outcome: "threw", same, name: err?.name, message: String(err?.message ?? err).slice(0, 200) };
}

function judge(expect, r) {
  if (expect === "coordination") {
    if (r.runs === 1 && r.onError === 0 && r.outcome === "threw" && r.same === 0) return null;
    const how = r.outcome !== "threw" ? r.outcome : r.same >= 0 ? `raw error of run ${r.same + 1} rethrown` : `new ${r.name} thrown`;
    return `${r.runs} run${r.runs === 1 ? "" : "s"}, ${r.onError} onError, ${how}`;
  }
  const inOrder = r.order.length === CHAIN.length && r.order.every((c, i) => c === CHAIN[i]);
  if (inOrder) return null;
  const how = r.outcome !== "threw" ? r.outcome : r.same >= 0 ? "the raw error rethrown (treated as coordination)" : `${r.name} thrown`;
  return `${r.runs} run${r.runs === 1 ? "" : "s"}, ${r.onError} onError, ${how}`;
}

const rows = [];
const control = await probe(rate429);
rows.push({ version, kind: "(none)", how: "-", shape: "429 plain", expect: "advance", ...control, departure: judge("advance", control) });
for (const [kind, maker] of Object.entries(makers)) {
  for (const [shape, spec] of Object.entries(SHAPES)) {
    if (only && !`${kind} ${shape}`.includes(only)) continue;
    const r = await probe(() => spec.make(maker.make()));
    rows.push({ version, kind, how: maker.how, shape, expect: spec.expect, ...r, departure: judge(spec.expect, r) });
  }
}

if (json) for (const row of rows) out(JSON.stringify(row));
else {
  out(`openclaw ${version} (${dist}); Node ${process.version}`);
  out(["kind", "class", "shape", "expect", "runs", "onError", "same", "thrown", "verdict"].join("\t"));
  for (const r of rows)
    out([r.kind, r.how, r.shape, r.expect, r.runs, r.onError, r.same ?? "-", r.name ?? r.outcome, r.departure ? `DEPARTS: ${r.departure}` : "ok"].join("\t"));
}
process.exit(0);
