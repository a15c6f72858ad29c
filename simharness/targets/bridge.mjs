// simharness Node bridge: runs a real openclaw `runWithModelFallback` under the Python simulation.
//
// Protocol: JSON lines. Python writes to our stdin; we write to stdout (fd 1, used by nothing else: the
// target's console and process.stdout writes are silenced before it is imported).
//
//   -> hello  {bridge, node, version, found}                 once, after the target's modules loaded
//   <- start  {call, chain: [[provider, model], ...], now}   call runWithModelFallback for one simulated call
//   -> run    {call, provider, model}                        the driver called run(): Python plays the attempt
//   <- result {call, ok, value | error: graph, now}          its outcome (an error graph becomes real classes)
//   -> onError {call, provider, model, attempt, total, error: graph, ref}
//   -> done   {call, ok, value, valueRef | error: graph, ref} the driver returned or threw
//   <- cancel {call}                                         Python abandoned the call (its world ended)
//
// `ref` is the index of the attempt whose thrown object is *identical* to the one reported (or null): the
// Python side then hands back its own object, so identity survives the process boundary. `valueRef` does the
// same for a returned value: the index of the run() resolution it is (Object.is), or null for a made-up one.
// Coordination errors are built as the release's own classes (config.classes: name -> exported symbol), so
// `instanceof` checks see the real thing; a class the dist does not export becomes an Error subclass of that
// exact name. If our parent dies (even by SIGKILL) we end too: see the parent watch below.
// We only act on input: after a message about call X, everything we print concerns call X until it waits
// again (on a run) or ends. `Date.now()` and `new Date()` read the virtual clock sent with each message.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const config = JSON.parse(process.argv[2]);
const VERBOSE = Boolean(process.env.SIMHARNESS_BRIDGE_VERBOSE);
const EPOCH = config.epoch ?? 1780272000000; // 2026-06-01T00:00:00Z plus the virtual milliseconds

function send(msg) {
  fs.writeSync(1, JSON.stringify(msg) + "\n");
}

function die(message) {
  try {
    send({ t: "fatal", message: String(message).slice(0, 2000) });
  } finally {
    process.exit(3);
  }
}

// --- keep stdout for the protocol: the target prints decision logs through console and stdout ---------
const toStderr = (...args) => {
  if (VERBOSE) process.stderr.write(args.map(String).join(" ") + "\n");
};
for (const k of ["log", "info", "warn", "error", "debug", "trace", "dir", "table", "group", "groupCollapsed"]) console[k] = toStderr;
process.stdout.write = (chunk, encoding, callback) => {
  if (VERBOSE) process.stderr.write(chunk);
  const cb = typeof encoding === "function" ? encoding : callback;
  if (cb) cb();
  return true;
};

// --- virtual time ---------------------------------------------------------------------------------------
const RealDate = Date;
let NOW = EPOCH;
function VirtualDate(...args) {
  if (!new.target) return new RealDate(NOW).toString();
  return args.length ? new RealDate(...args) : new RealDate(NOW);
}
VirtualDate.prototype = RealDate.prototype;
VirtualDate.now = () => NOW;
VirtualDate.parse = RealDate.parse;
VirtualDate.UTC = RealDate.UTC;
globalThis.Date = VirtualDate;
try {
  performance.now = () => NOW - EPOCH;
} catch {}
const setNow = (ms) => {
  if (typeof ms === "number" && Number.isFinite(ms)) NOW = EPOCH + ms;
};

// --- parent watch: a target stuck in a busy loop never reads stdin's end, so a separate thread checks that our
// parent is alive and kills the whole process when it is gone (Python also asks Linux for SIGKILL on its death).
if (config.parentPid) {
  const watch = `
    const { workerData } = require("node:worker_threads");
    setInterval(() => {
      let gone = process.ppid !== workerData.parent;
      try { process.kill(workerData.parent, 0); } catch (e) { if (e.code === "ESRCH") gone = true; }
      if (gone) process.kill(process.pid, "SIGKILL");
    }, 250);`;
  try {
    new Worker(watch, { eval: true, workerData: { parent: config.parentPid } }).unref();
  } catch {}
}

process.on("uncaughtException", (err) => die(`uncaught exception in the target: ${err?.stack ?? err}`));
process.on("unhandledRejection", (err) => die(`unhandled rejection in the target: ${err?.stack ?? err}`));

// --- the target's modules -----------------------------------------------------------------------------
async function load(symbol) {
  const where = config.symbols[symbol];
  if (!where) return undefined;
  const mod = await import(pathToFileURL(path.join(config.dist, where.file)).href);
  const value = mod[where.export];
  if (value === undefined) die(`${where.file} does not export ${where.export} (${symbol})`);
  return value;
}

let runWithModelFallback, SessionWriteLockTimeoutError, FailoverError, TakeoverError;
try {
  runWithModelFallback = await load("runWithModelFallback");
  SessionWriteLockTimeoutError = await load("SessionWriteLockTimeoutError");
  FailoverError = await load("FailoverError");
  TakeoverError = await load("EmbeddedAttemptSessionTakeoverError");
} catch (err) {
  die(`importing the target failed: ${err?.stack ?? err}`);
}
if (typeof runWithModelFallback !== "function") die("runWithModelFallback is not a function");
// The gateway publishes the plugin metadata snapshot once at startup; do the same, or every model-ref
// lookup inside the driver rescans the plugin directories.
let snapshotPublished = false;
try {
  const loadSnapshot = await load("loadPluginMetadataSnapshot");
  const publishSnapshot = await load("setCurrentPluginMetadataSnapshot");
  if (typeof loadSnapshot === "function" && typeof publishSnapshot === "function") {
    const snapshot = loadSnapshot({ config: {}, env: process.env });
    publishSnapshot(snapshot, { config: {}, env: process.env });
    snapshotPublished = true;
  }
} catch (err) {
  if (VERBOSE) process.stderr.write(`plugin snapshot not published: ${err?.stack ?? err}\n`);
}
// Every coordination class the world builds, as the release defines it (instanceof) or by exact name.
const realClasses = new Map();
const namedClasses = new Map();
for (const name of config.classes ?? []) {
  if (!config.symbols[name]) continue;
  try {
    const value = await load(name);
    if (typeof value === "function") realClasses.set(name, value);
  } catch (err) {
    // A chunk that cannot load under this install (a dependency the light install left out): by name.
    if (VERBOSE) process.stderr.write(`${name}: not loaded (${err?.message ?? err}); built by name\n`);
  }
}
function namedClass(name) {
  if (!namedClasses.has(name)) namedClasses.set(name, { [name]: class extends Error {} }[name]);
  return namedClasses.get(name);
}
if (!TakeoverError) {
  // Not exported by the dist (it lives inside a large chunk): recognized by name, so a class of that name
  // and shape is the real thing as far as any classifier can tell.
  TakeoverError = class EmbeddedAttemptSessionTakeoverError extends Error {
    constructor(sessionFile) {
      super(`session file changed while embedded prompt lock was released: ${sessionFile}`);
      this.name = "EmbeddedAttemptSessionTakeoverError";
    }
  };
}

// --- error graphs <-> real objects ----------------------------------------------------------------------
const LINKS = ["cause", "error", "reason", "suppressed"];
const kinds = new WeakMap(); // objects we built -> the world's kind label

function build(node) {
  const f = node.fields ?? {};
  let err;
  if (node.name === "SessionWriteLockTimeoutError" && SessionWriteLockTimeoutError) {
    err = new SessionWriteLockTimeoutError({ timeoutMs: f.timeoutMs, owner: f.owner, lockPath: f.lockPath });
  } else if (node.name === "EmbeddedAttemptSessionTakeoverError") {
    err = new TakeoverError(f.sessionFile ?? "");
  } else if ((config.classes ?? []).includes(node.name)) {
    // A true Error object whose prototype is the release's class; its constructor (whose signature differs
    // from class to class and release to release) is not run: name, message, code and fields are set as it would.
    err = Reflect.construct(Error, [node.message], realClasses.get(node.name) ?? namedClass(node.name));
    err.name = node.name;
    for (const [k, v] of Object.entries(f)) err[k] = v;
  } else if (node.name === "FailoverError" && FailoverError) {
    err = new FailoverError(node.message, { reason: f.reason ?? "unknown", provider: f.provider, model: f.model, status: node.status, code: node.code });
  } else if (node.name === "AggregateError") {
    err = new AggregateError([], node.message);
  } else {
    err = new Error(node.message);
    if (node.name !== "Error") err.name = node.name;
  }
  if (err.message !== node.message) err.message = node.message;
  if (node.code !== undefined) err.code = node.code;
  if (node.status !== undefined) err.status = node.status;
  // SDK fields (retryAfter, ...) on generic errors; the real classes set their own fields.
  if (err.constructor === Error || err.constructor === AggregateError) for (const [k, v] of Object.entries(f)) if (!(k in err)) err[k] = v;
  kinds.set(err, node.kind ?? "plain");
  return err;
}

function fromGraph(graph) {
  const made = new Map(graph.nodes.map((n) => [n.id, build(n)]));
  for (const n of graph.nodes) {
    const err = made.get(n.id);
    for (const link of LINKS) {
      if (n[link] !== undefined) {
        if (link === "cause") Object.defineProperty(err, "cause", { value: made.get(n[link]), writable: true, configurable: true, enumerable: false });
        else err[link] = made.get(n[link]);
      }
    }
    if (n.errors) err.errors = n.errors.map((i) => made.get(i));
  }
  return made.get(graph.root);
}

const isObj = (x) => x !== null && (typeof x === "object" || typeof x === "function");

function toGraph(root) {
  const ids = new Map();
  const order = [];
  const number = (node) => {
    if (!ids.has(node)) {
      ids.set(node, order.length);
      order.push(node);
      for (const link of LINKS) if (isObj(node[link])) number(node[link]);
      if (Array.isArray(node.errors)) for (const e of node.errors) if (isObj(e)) number(e);
    }
    return ids.get(node);
  };
  if (!isObj(root)) return { root: 0, nodes: [{ id: 0, kind: "plain", name: "NonError", message: String(root) }] };
  number(root);
  const nodes = order.map((node) => {
    let name = "Error";
    try {
      name = typeof node.name === "string" ? node.name : (node.constructor?.name ?? "Object");
    } catch {}
    const entry = { id: ids.get(node), kind: kinds.get(node) ?? "plain", name, message: typeof node.message === "string" ? node.message : String(node) };
    if (typeof node.code === "string") entry.code = node.code;
    if (typeof node.status === "number") entry.status = node.status;
    if (!kinds.has(node) && typeof node.reason === "string") entry.fields = { reason: node.reason };
    for (const link of LINKS) if (isObj(node[link])) entry[link] = ids.get(node[link]);
    if (Array.isArray(node.errors)) entry.errors = node.errors.filter(isObj).map((e) => ids.get(e));
    return entry;
  });
  return { root: 0, nodes };
}

// --- calls ----------------------------------------------------------------------------------------------
const calls = new Map(); // call id -> {thrown: [...], pending}

function refOf(state, err) {
  const i = state.thrown.indexOf(err);
  return i >= 0 ? i : null;
}

function valueRefOf(state, value) {
  const i = state.values.findIndex((v) => Object.is(v, value));
  return i >= 0 ? i : null;
}

function resultValue(ret) {
  // openclaw returns {result, provider, model, attempts}; the simulated run's value is `result`.
  if (isObj(ret) && "result" in ret) return ret.result;
  return ret;
}

function start(msg) {
  const state = { thrown: [], values: [], pending: null };
  calls.set(msg.call, state);
  const [[provider, model], ...rest] = msg.chain;
  const call = msg.call;
  const live = () => calls.get(call) === state;
  (async () => {
    let out;
    try {
      const ret = await runWithModelFallback({
        cfg: {},
        provider,
        model,
        fallbacksOverride: rest.map(([p, m]) => `${p}/${m}`),
        run: (p, m) =>
          new Promise((resolve, reject) => {
            state.pending = { resolve, reject };
            if (live()) send({ t: "run", call, provider: p, model: m });
          }),
        onError: (a) => {
          if (live()) send({ t: "onError", call, provider: a?.provider, model: a?.model, attempt: a?.attempt, total: a?.total, error: toGraph(a?.error), ref: refOf(state, a?.error) });
        },
      });
      const value = resultValue(ret);
      const plain = value instanceof String || value instanceof Number || value instanceof Boolean ? value.valueOf() : value;
      out = { t: "done", call, ok: true, value: plain ?? null, valueRef: valueRefOf(state, value) };
    } catch (err) {
      out = { t: "done", call, ok: false, error: toGraph(err), ref: refOf(state, err) };
    }
    if (live()) {
      calls.delete(call);
      send(out);
    }
  })();
}

function handle(msg) {
  if (msg.t === "start") {
    setNow(msg.now);
    start(msg);
  } else if (msg.t === "result") {
    setNow(msg.now);
    const state = calls.get(msg.call);
    if (!state || !state.pending) die(`result for call ${msg.call}, which is not waiting on run()`);
    const { resolve, reject } = state.pending;
    state.pending = null;
    if (msg.ok) {
      // A primitive has no identity in JS (a made-up "reply" is Object.is the real one), so run() resolves
      // with a boxed copy: only the very object handed out compares identical. openclaw keeps results opaque.
      const value = msg.value !== null && typeof msg.value !== "object" ? Object(msg.value) : msg.value;
      state.values.push(value);
      resolve(value);
    } else {
      const err = fromGraph(msg.error);
      state.thrown.push(err);
      reject(err);
    }
  } else if (msg.t === "cancel") {
    calls.delete(msg.call); // its promise never settles; the abandoned driver call is garbage
  } else if (msg.t === "ping") {
    send({ t: "pong" });
  } else {
    die(`unknown message ${JSON.stringify(msg).slice(0, 200)}`);
  }
}

let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (data) => {
  buffer += data;
  let i;
  while ((i = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    if (!line.trim()) continue;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      die(`not JSON: ${line.slice(0, 200)}`);
    }
    handle(msg);
  }
});
process.stdin.on("end", () => process.exit(0));

send({
  t: "hello",
  bridge: 1,
  node: process.version,
  snapshotPublished,
  bundledPlugins: process.env.OPENCLAW_DISABLE_BUNDLED_PLUGINS !== "1",
  found: {
    SessionWriteLockTimeoutError: Boolean(SessionWriteLockTimeoutError),
    FailoverError: Boolean(FailoverError),
    EmbeddedAttemptSessionTakeoverError: config.symbols.EmbeddedAttemptSessionTakeoverError ? "exported" : "by name",
  },
  classes: Object.fromEntries((config.classes ?? []).map((n) => [n, realClasses.has(n) ? "real" : "by name"])),
  parentWatch: Boolean(config.parentPid),
});
