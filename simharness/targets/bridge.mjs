// simharness Node bridge: runs a real openclaw `runWithModelFallback` under the Python simulation.
//
// Protocol: JSON lines. Python writes to our stdin; we write to stdout (fd 1, used by nothing else: the
// target's console and process.stdout writes are silenced before it is imported).
//
//   -> hello  {bridge, node, found, classes, probes}         once, after the target's modules loaded
//   <- start  {call, chain: [[provider, model], ...], now}   call runWithModelFallback for one simulated call
//   -> run    {call, provider, model}                        the driver called run(): Python plays the attempt
//   <- result {call, ok, value | error: graph, abortCaller?, now}  its outcome (abortCaller: the caller's abortSignal fires first)
//   -> onError {call, provider, model, attempt, total, error: graph, ref}
//   -> done   {call, ok, value, valueRef | error: graph, ref} the driver returned or threw
//   <- cancel {call}                                         Python abandoned the call (its world ended)
//   <- probe  {call, fn, args: [ARG...], now}                call the dist's own classifier function fn
//   -> probe  {call, ok, value: graph | error: graph | missing: true}
//
// State between calls (issue 16; docs/cooldowns-design.md section 2), only for worlds with an [auth] table:
//   <- begin_run {call, profiles: [[id, provider]], usageStats: {id: stats}}  a new run: re-seed the store, new epoch
//   -> begun     {call, ok, error?}
//   <- start     {..., auth: true}                          this call uses the store (agentDir) and the runner stand-in
//   -> run       {..., profileId, probe}                    the stand-in picked key profileId (probe: the driver's
//                                                           allowTransientCooldownProbe)
//   -> refused   {call, provider, model, reason, probe, error: graph}  no usable key: no provider request; Python
//                                                           answers with a `result` (ok: false) carrying the error
//   -> store     {call, profileId, provider, model, cause, reason, stats}  the release wrote the key's entry
//                                                           (markAuthProfileFailure/Success); sent before run settles
//   -> done      {..., attempts: [{provider, model, reason, error, code?}]}  the driver's own attempt list
// Store times on the wire are the run's virtual ms (run k's virtual 0 is EPOCH + k * 25 h in Node).
//
// Protocol 2 (full text: /work/notes/protocol15.md; Python side: simharness/model/graph.py, bridge.py):
// a graph is {root: 0, nodes: [...]}, nodes in DFS order (cause, error, reason, suppressed, errors[i]);
//   object node    {id, kind, name?, message?, code?: string|int, status?: int|string, fields?: {own props as
//                   JSON}, plain?: true (not an Error instance), cause|error|reason|suppressed?: id, errors?: [id]}
//                   (a plain object has name/message only when it has them)
//   primitive node {id, value, undefined?: true}   (a string `reason`, a thrown string; each occurrence its own node)
// In onError/done, an object node that IS an object run() threw in this call carries "ref": k (attempt k), so
// Python puts the world's own object there (the cause of a FailoverError, a summary's cause).
// A probe ARG is a graph (an object with exactly the keys root and nodes), {"$undefined": true}, or any other JSON
// value passed as is (a context object). fn: one of hello.probes (exported by this release), or the bridge's own
// "$inspect" (how the value is built: instanceof Error, the release's real class?, own keys) and "$echo" (the
// value's graph, read back: a round trip through real objects).
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
import module from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const config = JSON.parse(process.argv[2]);
// Start-up: V8 compiles every chunk of the release on each start (a second or more on 9.x). Node's compile cache
// keeps the compiled code on disk, per release (config.compileCache), so only the first start pays.
if (config.compileCache && typeof module.enableCompileCache === "function") {
  try {
    module.enableCompileCache(config.compileCache);
  } catch {}
}
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
// BASE: Node's instant of virtual 0. EPOCH, except in a run of an [auth] world: run k of this bridge starts at
// EPOCH + k * RUN_SHIFT (25 h), so the probe throttle's entries (24 h TTL) and the store caches of run k-1 are dead.
let BASE = EPOCH;
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
  performance.now = () => NOW - BASE;
} catch {}
const setNow = (ms, base = EPOCH) => {
  BASE = base;
  if (typeof ms === "number" && Number.isFinite(ms)) NOW = base + ms;
};

// --- no network, no randomness: a store write's lock jitter and any stray fetch are the harness's business ---
// 9.x probes `openai-codex` OAuth keys over the network (WHAM); the simulated world has no network at all.
globalThis.fetch = async (resource) => {
  throw new TypeError(`fetch failed: the simulated world has no network (${String(resource?.url ?? resource).slice(0, 100)})`);
};
// A constant-seeded PRNG (mulberry32) for Math.random: openclaw's lock retries jitter with it. Re-seeded per run.
let SEED = 0x5eed;
const seedRandom = (seed) => {
  SEED = seed >>> 0;
};
Math.random = () => {
  SEED = (SEED + 0x6d2b79f5) >>> 0;
  let t = SEED;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
// --- the release's classes: built as its own where the dist exports them (instanceof sees the real thing) ---
// config.classes names every class the bridge may build; an exported one is "real", else "by name": an Error
// subclass of that exact name (a classifier that reads `name` cannot tell; `instanceof` can, and says false).
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
// The arguments each real constructor takes, from a graph node (read from the dists: 5.18 ... 9.6). The
// constructor runs (it may derive own props, e.g. 9.6's FailoverError.requestSizeCeiling); afterwards every own
// prop the graph states is set to the graph's value. Classes not listed: Reflect.construct, no constructor run
// (their constructors only set name, message and fields, which the graph states).
const CONSTRUCT = {
  FailoverError: (n, f, v) => [n.message, { ...f, reason: v("reason") ?? f.reason, status: n.status, code: n.code }],
  SessionWriteLockTimeoutError: (n, f) => [{ ...f }],
  EmbeddedAttemptSessionTakeoverError: (n, f) => [f.sessionFile ?? ""],
  LiveSessionModelSwitchError: (n, f) => [{ ...f }],
  MissingAgentHarnessError: (n, f) => [f.harnessId],
};
const BUILTINS = new Set(["Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"]);
// Every name the bridge builds as a class: driver/classifier classes and the coordination classes.
const classTable = () =>
  Object.fromEntries([...new Set([...(config.classes ?? []), ...realClasses.keys()])].sort().map((n) => [n, realClasses.has(n) ? "real" : "by name"]));

// --- error graphs <-> real objects ----------------------------------------------------------------------
// Graph: {root, nodes}; object node {id, kind, name?, message?, code?, status?, fields?, plain?, cause|error|
// reason|suppressed?: id, errors?: [id]}; primitive node {id, value, undefined?}. /work/notes/protocol15.md.
const LINKS = ["cause", "error", "reason", "suppressed"];
const kinds = new WeakMap(); // objects we built -> the world's kind label
const isObj = (x) => x !== null && typeof x === "object";
const primitiveOf = (n) => (n.undefined ? undefined : n.value);

// A registered symbol key (`Symbol.for("x")`, e.g. 9.x's "openclaw.abortable.wrapper" tag) is the field "Symbol.for(x)".
const SYMBOL_FIELD = /^Symbol\.for\((.*)\)$/s;
const fieldKey = (k) => {
  const m = SYMBOL_FIELD.exec(k);
  return m ? Symbol.for(m[1]) : k;
};

function setOwn(obj, key, value, enumerable = true) {
  Object.defineProperty(obj, key, { value, writable: true, configurable: true, enumerable });
}

function build(node, byId) {
  const f = node.fields ?? {};
  let obj;
  if (node.plain) {
    obj = {};
    if ("name" in node) obj.name = node.name;
    if ("message" in node) obj.message = node.message;
  } else {
    const name = node.name ?? "Error";
    const message = node.message ?? "";
    const Real = realClasses.get(name);
    const linked = (link) => (node[link] === undefined ? undefined : primitiveOf(byId.get(node[link]) ?? {}));
    if (Real && CONSTRUCT[name]) {
      try {
        obj = new Real(...CONSTRUCT[name](node, f, linked));
      } catch {
        obj = Reflect.construct(Error, [message], Real); // a graph the constructor rejects: same shape, no run
      }
    } else if (Real || (config.classes ?? []).includes(name)) {
      obj = Reflect.construct(Error, [message], Real ?? namedClass(name));
    } else if (name === "AggregateError") {
      obj = new AggregateError([], message);
    } else if (BUILTINS.has(name)) {
      obj = new globalThis[name](message);
    } else {
      obj = new Error(message);
    }
    if (obj.message !== message) setOwn(obj, "message", message, false);
    // The release's classes set `this.name` (own); builtins inherit theirs; any other name is set as openclaw does.
    if (obj.name !== name || !(BUILTINS.has(name) || name === "AggregateError")) obj.name = name;
  }
  if ("code" in node) obj.code = node.code;
  if ("status" in node) obj.status = node.status;
  for (const [k, v] of Object.entries(f)) obj[fieldKey(k)] = v;
  kinds.set(obj, node.kind ?? "plain");
  return obj;
}

// A graph -> the JS value it denotes (objects, with their links, cycles included; a primitive root as itself).
function fromGraph(graph) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const made = new Map(graph.nodes.map((n) => [n.id, "value" in n || n.undefined ? primitiveOf(n) : build(n, byId)]));
  for (const n of graph.nodes) {
    const obj = made.get(n.id);
    if (!isObj(obj)) continue;
    for (const link of LINKS) {
      if (n[link] === undefined) continue;
      // An Error's `cause` is own and non-enumerable, as `new Error(m, {cause})` makes it.
      if (link === "cause" && obj instanceof Error) setOwn(obj, "cause", made.get(n[link]), false);
      else obj[link] = made.get(n[link]);
    }
    if (n.errors) {
      if (obj instanceof Error) setOwn(obj, "errors", n.errors.map((i) => made.get(i)), false);
      else obj.errors = n.errors.map((i) => made.get(i));
    }
  }
  return made.get(graph.root);
}

// An own property's value as JSON (cycle-safe, bounded): Errors nested outside the links become {name, message, ...}.
function toJson(value, depth = 0, seen = new Set()) {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return String(value);
  if (!isObj(value) || depth > 8 || seen.has(value)) return undefined; // functions, symbols, undefined, cycles
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1, seen) ?? null);
    const out = {};
    if (value instanceof Error) Object.assign(out, { name: String(value.name), message: String(value.message) });
    for (const k of Object.keys(value)) {
      let v;
      try {
        v = toJson(value[k], depth + 1, seen);
      } catch {}
      if (v !== undefined) out[k] = v;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

const isInt = (v) => typeof v === "number" && Number.isInteger(v);
const TAKEN = new Set(["name", "message", "code", "status"]); // own props the node itself carries

// A JS value -> its graph (the inverse of fromGraph; what Node reports in onError, done and probe).
// `thrown` (a call's objects run() rejected with, by attempt): a node that IS one of them says so ("ref": k), so
// Python puts the world's own object there (a FailoverError's cause is the attempt's very error).
function toGraph(root, thrown = null) {
  const ids = new Map();
  const nodes = [];
  const number = (x) => {
    if (!isObj(x)) {
      const json = x === undefined ? null : toJson(x); // null stays null; a symbol or function becomes a label
      const label = typeof x === "function" ? `[function ${x.name || "anonymous"}]` : String(x);
      const entry = { id: nodes.length, value: json === undefined ? label : json };
      if (x === undefined) entry.undefined = true;
      nodes.push(entry);
      return entry.id;
    }
    if (ids.has(x)) return ids.get(x);
    const at = nodes.length;
    ids.set(x, at);
    const entry = { id: at, kind: kinds.get(x) ?? "plain" };
    const ref = thrown ? thrown.indexOf(x) : -1;
    if (ref >= 0) entry.ref = ref;
    nodes.push(entry);
    const plain = !(x instanceof Error);
    const read = (k) => {
      try {
        return x[k];
      } catch {
        return undefined;
      }
    };
    const fields = {};
    const name = read("name");
    const message = read("message");
    if (plain) {
      if (typeof name === "string" && name) entry.name = name;
      if (typeof message === "string" && message) entry.message = message;
    } else {
      entry.name = typeof name === "string" ? name : (x.constructor?.name ?? "Error");
      entry.message = typeof message === "string" ? message : String(message);
    }
    const code = read("code");
    const status = read("status");
    if (typeof code === "string" || isInt(code)) entry.code = code;
    if (typeof status === "string" || isInt(status)) entry.status = status;
    for (const k of Object.getOwnPropertyNames(x)) {
      if (k === "stack" || LINKS.includes(k) || (k === "errors" && Array.isArray(read(k))) || (TAKEN.has(k) && k in entry)) continue;
      const v = toJson(read(k));
      if (v === undefined || ((k === "name" || k === "message") && v === "")) continue; // plain: "" is absent
      fields[k] = v;
    }
    for (const sym of Object.getOwnPropertySymbols(x)) {
      const key = Symbol.keyFor(sym); // only registered symbols can be named on the other side
      const v = key === undefined ? undefined : toJson(read(sym));
      if (v !== undefined) fields[`Symbol.for(${key})`] = v;
    }
    if (Object.keys(fields).length) entry.fields = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (plain) entry.plain = true;
    for (const link of LINKS) {
      const v = read(link);
      if (v !== undefined && v !== null) entry[link] = number(v);
    }
    const errors = read("errors");
    if (Array.isArray(errors)) entry.errors = errors.map(number);
    return at;
  };
  number(root);
  return { root: 0, nodes };
}

// --- probe: one of the dist's classifier functions on JS values (the fidelity suite's direct line) -------
const PROBES = config.probes ?? [];
const probeFns = new Map();
for (const fn of PROBES) {
  if (!config.symbols[fn]) continue;
  try {
    const value = await load(fn);
    if (typeof value === "function") probeFns.set(fn, value);
  } catch (err) {
    if (VERBOSE) process.stderr.write(`${fn}: not loaded (${err?.message ?? err})\n`);
  }
}
const isGraph = (a) => isObj(a) && !Array.isArray(a) && Object.keys(a).length === 2 && "root" in a && Array.isArray(a.nodes);
const probeArg = (a) => (isGraph(a) ? fromGraph(a) : isObj(a) && a.$undefined === true ? undefined : a);

function inspect(value) {
  let ctor = "";
  try {
    ctor = value?.constructor?.name ?? "";
  } catch {}
  const realClass = isObj(value) && [...realClasses.values()].some((C) => value instanceof C);
  const fields = { typeof: typeof value, instanceofError: value instanceof Error, realClass, constructor: ctor, ownKeys: isObj(value) ? Object.getOwnPropertyNames(value).sort() : [] };
  return { root: 0, nodes: [{ id: 0, kind: "plain", fields, plain: true }] };
}

async function probe(msg) {
  const own = { $inspect: inspect, $echo: (value) => toGraph(value) }[msg.fn];
  const fn = own ? null : probeFns.get(msg.fn);
  if (!own && !fn) return { t: "probe", call: msg.call, ok: false, missing: true };
  try {
    const args = (msg.args ?? []).map(probeArg);
    return { t: "probe", call: msg.call, ok: true, value: own ? own(args[0]) : toGraph(await fn(...args)) };
  } catch (err) {
    return { t: "probe", call: msg.call, ok: false, error: toGraph(err) };
  }
}

// --- the auth-profile store ([auth] worlds only; docs/cooldowns-design.md section 2) ---------------------
// One agentDir for the bridge's life, re-seeded per run with the release's own saveAuthProfileStore (JSON files
// in 5.x-6.1, SQLite from 6.5). Loaded on the first begin_run: a world without [auth] never touches any of it.
const RUN_SHIFT = config.runShiftMs ?? 25 * 3600 * 1000; // > the driver's PROBE_STATE_TTL_MS (bridge.py)
const STORE_NEEDED = [
  "markAuthProfileFailure", "saveAuthProfileStore", "ensureAuthProfileStore", "resolveAuthProfileOrder",
  "isProfileInCooldown", "resolveProfilesUnavailableReason", "describeFailoverError", "coerceToFailoverError",
];
const STORE_OPTIONAL = [
  "markAuthProfileSuccess", "markAuthProfileGood", "loadAuthProfileStoreForRuntime",
  "clearRuntimeAuthProfileStoreSnapshots", "resolveFailoverStatus",
];
const TIME_FIELDS = ["cooldownUntil", "disabledUntil", "blockedUntil", "lastFailureAt", "lastUsed", "lastProbeAt"];
let auth = null; // {S, failurePolicy, probeable, agentDir}
let runs = 0; // begin_run messages so far: run k's BASE is EPOCH + k * RUN_SHIFT
let runBase = EPOCH;

async function importSymbol(symbol) {
  const where = config.symbols[symbol];
  if (!where) return undefined;
  return (await import(pathToFileURL(path.join(config.dist, where.file)).href))[where.export];
}

// A function of the embedded runner, evaluated from its source text (unexported; the chunk located by locate.py's
// SOURCE_SYMBOLS): `deps` binds the names its body calls.
function sourceFunction(name, deps = {}) {
  const file = config.sources?.[name];
  if (!file) return null;
  const src = fs.readFileSync(path.join(config.dist, file), "utf8");
  const at = src.search(new RegExp(`function ${name}\\(`));
  const end = src.indexOf("\n}\n", at);
  if (at < 0 || end < 0) throw new Error(`${name}: no body in ${file}`);
  const names = Object.keys(deps);
  return new Function(...names, `${src.slice(at, end + 2)}\nreturn ${name};`)(...names.map((n) => deps[n]));
}

// The embedded runner's filter (which failover reasons it records on the key).
function failurePolicyOf() {
  const fn = sourceFunction("resolveAuthProfileFailureReason");
  if (!fn) throw new Error("resolveAuthProfileFailureReason not found in the dist");
  // As the runner calls it for a provider failure: no policy, the provider started, not a transient rate limit.
  return (reason) => fn({ failoverReason: reason, providerStarted: true, transientRateLimit: false }) ?? null;
}

// Which keys the embedded runner may probe while they cool down (its initializeAuthProfile): none unless the
// driver granted a probe and every key cools for the model. 5.18-7.x: then the first key, if the keys' reason
// passes shouldAllowCooldownProbeForReason; 8.1+: each key whose own reason passes
// shouldUseTransientCooldownProbeSlot (resolveEmbeddedAuthCooldownProbePolicy). A usable key always goes first.
function probePolicyOf(S) {
  const slot = sourceFunction("shouldUseTransientCooldownProbeSlot");
  const allow = sourceFunction("shouldAllowCooldownProbeForReason", { shouldUseTransientCooldownProbeSlot: slot });
  if (!slot || !allow) throw new Error("the runner's cooldown-probe rules were not found in the dist");
  const deps = { isProfileInCooldown: S.isProfileInCooldown, resolveProfilesUnavailableReason: S.resolveProfilesUnavailableReason, shouldUseTransientCooldownProbeSlot: slot };
  const policy = sourceFunction("resolveEmbeddedAuthCooldownProbePolicy", deps);
  if (policy) {
    return ({ store, order, model, probe }) =>
      policy({ authStore: store, profileCandidates: order, modelId: model, allowTransientCooldownProbe: probe }).probeProfileIds;
  }
  return ({ store, order, model, probe }) => {
    const all = order.length > 0 && order.every((id) => S.isProfileInCooldown(store, id, undefined, model));
    const reason = all ? (S.resolveProfilesUnavailableReason({ store, profileIds: order }) ?? "unknown") : null;
    return new Set(probe && all && allow(reason) ? order.slice(0, 1) : []);
  };
}

async function loadAuth() {
  const S = {};
  const missing = [];
  for (const name of [...STORE_NEEDED, ...STORE_OPTIONAL]) {
    const value = await importSymbol(name);
    if (typeof value === "function") S[name] = value;
    else if (STORE_NEEDED.includes(name)) missing.push(name);
  }
  S.markSuccess = S.markAuthProfileSuccess ?? S.markAuthProfileGood;
  if (!S.markSuccess) missing.push("markAuthProfileSuccess");
  if (missing.length) throw new Error(`the dist lacks ${missing.join(", ")}`);
  const stateDir = process.env.OPENCLAW_STATE_DIR;
  if (!stateDir) throw new Error("OPENCLAW_STATE_DIR is not set");
  const agentDir = path.join(stateDir, "agent");
  fs.mkdirSync(agentDir, { recursive: true });
  return { S, failurePolicy: failurePolicyOf(), probeable: probePolicyOf(S), agentDir };
}

// Store times: the wire carries the run's virtual ms, the release keeps epoch ms.
const shiftStats = (stats, by) => {
  const out = { ...stats };
  for (const k of TIME_FIELDS) if (typeof out[k] === "number" && Number.isFinite(out[k])) out[k] = out[k] + by;
  return out;
};

async function beginRun(msg) {
  try {
    auth ??= await loadAuth();
  } catch (err) {
    auth = null;
    return { t: "begun", call: msg.call, ok: false, error: String(err?.message ?? err).split("\n")[0].slice(0, 300) };
  }
  runBase = EPOCH + runs * RUN_SHIFT;
  runs += 1;
  setNow(0, runBase);
  seedRandom(0x5eed);
  const store = { version: 1, profiles: {}, usageStats: {} };
  for (const [id, provider] of msg.profiles ?? []) store.profiles[id] = { type: "api_key", provider, key: `sk-sim-${String(id).replace(/\W/g, "")}` };
  for (const [id, stats] of Object.entries(msg.usageStats ?? {})) store.usageStats[id] = shiftStats(stats, runBase);
  try {
    auth.S.clearRuntimeAuthProfileStoreSnapshots?.();
    await auth.S.saveAuthProfileStore(store, auth.agentDir);
    auth.S.clearRuntimeAuthProfileStoreSnapshots?.();
  } catch (err) {
    return { t: "begun", call: msg.call, ok: false, error: `saveAuthProfileStore failed: ${String(err?.message ?? err).split("\n")[0].slice(0, 300)}` };
  }
  return { t: "begun", call: msg.call, ok: true, agentDir: auth.agentDir };
}

function readStats(profileId) {
  const load = auth.S.loadAuthProfileStoreForRuntime ?? auth.S.ensureAuthProfileStore;
  const stats = load(auth.agentDir, { readOnly: true })?.usageStats?.[profileId] ?? {};
  return shiftStats(toJson(stats) ?? {}, -runBase);
}

// The embedded runner's auth loop (runEmbeddedPiAgent), with the release's own functions: the key order, "usable
// for this model", the refusal, the runner's failure filter, markAuthProfileFailure / markAuthProfileSuccess.
// The world plays the attempt with the key picked (`run` message); the mark is written and reported (`store`)
// before run() settles, so two sessions never contend for the store's lock inside Node.
function standIn(call, state) {
  const live = () => calls.get(call) === state;
  const ask = (msg) =>
    new Promise((resolve) => {
      state.pending = { resolve: (value) => resolve({ ok: true, value }), reject: (err) => resolve({ ok: false, err }) };
      if (live()) send(msg);
    });
  return async (p, m, options) => {
    const { S, agentDir } = auth;
    const probe = options?.allowTransientCooldownProbe === true;
    const store = S.ensureAuthProfileStore(agentDir);
    const order = S.resolveAuthProfileOrder({ cfg: {}, store, provider: p }) ?? [];
    // The runner's walk: the first key usable for the model, else the first it may probe, else none (refused).
    const probeable = auth.probeable({ store, order, model: m, probe });
    const profileId = order.find((id) => !S.isProfileInCooldown(store, id, undefined, m) || probeable.has(id)) ?? null;
    if (order.length > 0 && !profileId) {
      const reason = S.resolveProfilesUnavailableReason({ store, profileIds: order, now: Date.now() }) ?? "unknown";
      const refusal = new (FailoverError ?? namedClass("FailoverError"))(`No available auth profile for ${p} (all in cooldown or unavailable).`, {
        reason, provider: p, model: m, status: S.resolveFailoverStatus?.(reason),
      }); // prettier-ignore
      kinds.set(refusal, "failover");
      const out = await ask({ t: "refused", call, provider: p, model: m, reason, probe, error: toGraph(refusal) });
      state.settled?.();
      if (out.ok) throw refusal; // Python must answer a refusal with the error; a value would be a protocol slip
      throw out.err;
    }
    const out = await ask({ t: "run", call, provider: p, model: m, profileId, probe });
    try {
      if (profileId) await mark(call, state, p, m, profileId, out);
    } finally {
      state.settled?.();
    }
    if (out.ok) return out.value;
    throw out.err;
  };
}

async function mark(call, state, p, m, profileId, out) {
  const { S, agentDir, failurePolicy } = auth;
  let cause = "success";
  let reason = null;
  try {
    const fresh = S.ensureAuthProfileStore(agentDir);
    if (out.ok) {
      await S.markSuccess({ store: fresh, provider: p, profileId, agentDir });
    } else {
      // The release's own classification of what the world threw, through the runner's filter.
      let described;
      try {
        described = S.describeFailoverError(S.coerceToFailoverError(out.err, { provider: p, model: m }) ?? out.err);
      } catch {}
      cause = "failure";
      reason = described?.reason ? failurePolicy(String(described.reason)) : null;
      if (reason) await S.markAuthProfileFailure({ store: fresh, profileId, reason, cfg: {}, agentDir, runId: `simharness-${call}`, modelId: m });
    }
  } catch (err) {
    die(`writing the auth-profile store failed (${cause} of ${profileId}): ${err?.stack ?? err}`);
  }
  if ((cause === "success" || reason) && calls.get(call) === state) {
    send({ t: "store", call, profileId, provider: p, model: m, cause, reason, stats: readStats(profileId) });
  }
}

const attemptsOf = (x) => {
  let list;
  try {
    list = x?.attempts;
  } catch {}
  if (!Array.isArray(list)) return [];
  return list.map((a) => {
    const entry = { provider: String(a?.provider ?? ""), model: String(a?.model ?? ""), reason: a?.reason == null ? null : String(a.reason) };
    entry.error = String(a?.error?.message ?? a?.error ?? "").slice(0, 500);
    if (typeof a?.code === "string") entry.code = a.code;
    return entry;
  });
};

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
  // The caller's abort signal, as a real caller passes it; aborted when Python says the caller stopped the run.
  const controller = new AbortController();
  const withStore = Boolean(msg.auth) && auth !== null;
  const state = { thrown: [], values: [], pending: null, controller, withStore, base: withStore ? runBase : EPOCH, settled: null };
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
        abortSignal: controller.signal,
        ...(withStore ? { agentDir: auth.agentDir } : {}),
        run: withStore
          ? standIn(call, state)
          : (p, m) =>
              new Promise((resolve, reject) => {
                state.pending = { resolve, reject };
                if (live()) send({ t: "run", call, provider: p, model: m });
              }),
        onError: (a) => {
          if (live()) send({ t: "onError", call, provider: a?.provider, model: a?.model, attempt: a?.attempt, total: a?.total, error: toGraph(a?.error, state.thrown), ref: refOf(state, a?.error) });
        },
      });
      const value = resultValue(ret);
      const plain = value instanceof String || value instanceof Number || value instanceof Boolean ? value.valueOf() : value;
      out = { t: "done", call, ok: true, value: plain ?? null, valueRef: valueRefOf(state, value) };
      if (withStore) out.attempts = attemptsOf(ret);
    } catch (err) {
      out = { t: "done", call, ok: false, error: toGraph(err, state.thrown), ref: refOf(state, err) };
      if (withStore) out.attempts = attemptsOf(err);
    }
    if (live()) {
      calls.delete(call);
      send(out);
    }
  })();
}

// Returns a promise when the next message must wait for it: a result whose store write is still being made.
function handle(msg) {
  if (msg.t === "start") {
    setNow(msg.now, msg.auth && auth !== null ? runBase : EPOCH);
    start(msg);
  } else if (msg.t === "result") {
    const state = calls.get(msg.call);
    if (!state || !state.pending) die(`result for call ${msg.call}, which is not waiting on run()`);
    setNow(msg.now, state.base);
    const { resolve, reject } = state.pending;
    state.pending = null;
    // With the store, the stand-in writes the key's mark before run() settles: the next message waits for it.
    const written = state.withStore
      ? new Promise((resolve) => {
          state.settled = () => {
            state.settled = null;
            resolve();
          };
        })
      : null;
    if (msg.ok) {
      // A primitive has no identity in JS (a made-up "reply" is Object.is the real one), so run() resolves
      // with a boxed copy: only the very object handed out compares identical. openclaw keeps results opaque.
      const value = msg.value !== null && typeof msg.value !== "object" ? Object(msg.value) : msg.value;
      state.values.push(value);
      resolve(value);
    } else {
      const err = fromGraph(msg.error);
      state.thrown.push(err);
      if (msg.abortCaller) state.controller.abort(err);
      reject(err);
    }
    return written;
  } else if (msg.t === "begin_run") {
    return beginRun(msg).then(send);
  } else if (msg.t === "probe") {
    setNow(msg.now);
    probe(msg).then(send);
  } else if (msg.t === "cancel") {
    calls.delete(msg.call); // its promise never settles; the abandoned driver call is garbage
  } else if (msg.t === "ping") {
    send({ t: "pong" });
  } else {
    die(`unknown message ${JSON.stringify(msg).slice(0, 200)}`);
  }
  return null;
}

// One message at a time: a message whose handling returns a promise holds the next ones until it settles.
const inbox = [];
let busy = false;
function pump() {
  while (inbox.length && !busy) {
    const pending = handle(inbox.shift());
    if (pending) {
      busy = true;
      pending.then(
        () => {
          busy = false;
          pump();
        },
        (err) => die(`handling a message failed: ${err?.stack ?? err}`),
      );
    }
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
    inbox.push(msg);
  }
  pump();
});
process.stdin.on("end", () => process.exit(0));
// Written now, not at exit: the harness ends the bridge with a signal, and a cache written at exit never lands.
try {
  module.flushCompileCache?.();
} catch {}

send({
  t: "hello",
  bridge: 2,
  node: process.version,
  snapshotPublished,
  bundledPlugins: process.env.OPENCLAW_DISABLE_BUNDLED_PLUGINS !== "1",
  found: {
    SessionWriteLockTimeoutError: Boolean(SessionWriteLockTimeoutError),
    FailoverError: Boolean(FailoverError),
    EmbeddedAttemptSessionTakeoverError: config.symbols.EmbeddedAttemptSessionTakeoverError ? "exported" : "by name",
  },
  classes: classTable(),
  probes: Object.fromEntries(PROBES.map((fn) => [fn, probeFns.has(fn)])),
  parentWatch: Boolean(config.parentPid),
});

// --- floor (the benchmark's pure-Node loop, `config.floor`): the same calls with no bridge ---------------
// Replays driver calls the harness recorded ({chain, now, results: [{ok, value | error: graph, now}]}) straight
// into runWithModelFallback, in this process: `run` settles at once with the recorded outcome (its error built
// afresh from the graph, as the bridge builds it), `onError` does nothing. What is left is openclaw's own work
// per call: the floor the bridge's calls/s is compared with. Real clocks only here (Date is virtual).
if (config.floor) {
  const { calls: file, seconds = 2 } = config.floor;
  const recorded = JSON.parse(fs.readFileSync(file, "utf8"));
  let mismatched = 0;
  const once = async (c) => {
    setNow(c.now);
    const [[provider, model], ...rest] = c.chain;
    let k = 0;
    try {
      await runWithModelFallback({
        cfg: {},
        provider,
        model,
        fallbacksOverride: rest.map(([p, m]) => `${p}/${m}`),
        run: async () => {
          const r = c.results[k++];
          if (!r) {
            mismatched += 1; // the driver asked for more than the harness saw: not the same call
            throw new Error("floor: no recorded outcome");
          }
          setNow(r.now);
          if (r.ok) return r.value !== null && typeof r.value !== "object" ? Object(r.value) : r.value;
          throw fromGraph(r.error);
        },
        onError: () => {},
      });
    } catch {}
    if (k !== c.results.length) mismatched += 1;
  };
  // Warm up (V8's JIT, openclaw's lazy imports) for half the time box, at least one pass, outside the timing.
  const w0 = process.hrtime.bigint();
  do for (const c of recorded) await once(c);
  while (Number(process.hrtime.bigint() - w0) / 1e9 < seconds / 2);
  mismatched = 0;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let wall = 0;
  do {
    for (const c of recorded) await once(c);
    n += recorded.length;
    wall = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (wall < seconds);
  const cpu = process.cpuUsage(cpu0);
  send({ t: "floor", call: 0, calls: n, seconds: wall, cpuSeconds: (cpu.user + cpu.system) / 1e6, mismatched });
  process.exit(0);
}
