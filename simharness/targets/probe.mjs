// simharness fidelity probe: runs openclaw's own test cases against a release's dist directly in Node — no
// bridge. It finds the dist's exports itself, builds each case's JS values itself (real instances of the
// dist's classes where it exports them), calls the release's functions and prints one outcome per case.
// `simharness fidelity` compares these outcomes with the bridge's and with the Python ports'; because this
// file shares no code with bridge.mjs, a bridge that loses a field or a class shows as a disagreement.
//
//   node probe.mjs '{"dist": "/path/to/dist"}' < cases.json   (cases: a JSON array, the fidelity case format)
//   -> {"t": "hello", "symbols": {name: "file#alias" | null}, "classes": {name: "real" | "by name"}}
//   -> {"t": "case", "id", "outcome"} | {"t": "case", "id", "error"}   one line per in-scope case
//   -> {"t": "end"}
//
// Value notation (explore/fidelity/cases.py documents it): JSON primitives; {"undefined": true};
// {"object": {...}} a plain object; {"new": "Error", "message", "props"} is Object.assign(new Error(m), props);
// {"new": Class, "args", "props"} a real instance (`props`: the own properties the constructor is expected
// to set, checked here); {"$id": k} names a node, {"$ref": k} points at it (cycles); any other JSON dict is data
// (a coerce context, a `detail` field): a plain object here, a JSON value on the Python side.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const config = JSON.parse(process.argv[2]);
const out = (msg) => fs.writeSync(1, JSON.stringify(msg) + "\n");
// The release logs through console and stdout; fd 1 is ours.
for (const k of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"]) console[k] = () => {};
process.stdout.write = (_chunk, encoding, callback) => {
  const cb = typeof encoding === "function" ? encoding : callback;
  if (cb) cb();
  return true;
};
process.on("unhandledRejection", () => {});

// --- the dist's own exports ------------------------------------------------------------------------------
const FUNCTIONS = [
  "runWithModelFallback",
  "resolveFailoverReasonFromError",
  "isTimeoutError",
  "coerceToFailoverError",
  "describeFailoverError",
  "resolveFailoverStatus",
  "isNonProviderRuntimeCoordinationError",
  "isFailoverError",
];
const CLASSES = [
  "FailoverError",
  "FallbackSummaryError",
  "SessionWriteLockTimeoutError",
  "MissingAgentHarnessError",
  "LiveSessionModelSwitchError",
  "CommandLaneTaskTimeoutError",
  "EmbeddedAttemptSessionTakeoverError",
];
const dist = config.dist;
const read = (name) => fs.readFileSync(path.join(dist, name), "utf8");
const exportsOf = (source) => {
  const map = new Map();
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of m[1].split(",")) {
      const parts = item.trim().split(/\s+/);
      if (parts.length === 3 && parts[1] === "as") map.set(parts[0], parts[2]);
      else if (parts.length === 1 && parts[0]) map.set(parts[0], parts[0]);
    }
  }
  return map;
};
const defines = (source, name) =>
  new RegExp(`(?:^|[\\s;(])(?:async\\s+)?function\\s+${name}\\s*\\(`, "m").test(source) ||
  new RegExp(`(?:var|let|const)\\s+${name}\\s*=\\s*class\\b`).test(source) ||
  new RegExp(`(?:^|\\s)class\\s+${name}\\b`, "m").test(source);
// Static imports and dynamic `import("./x.js")` (9.x loads some chunks lazily).
const importsOf = (source) =>
  [...source.matchAll(/\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) => path.basename(m[1] ?? m[2]));

const chunks = fs.readdirSync(dist).filter((f) => /\.(m?js)$/.test(f)).sort();
let driverChunk = null;
for (const f of chunks) {
  const s = read(f);
  if (s.includes("runWithModelFallback") && defines(s, "runWithModelFallback") && exportsOf(s).has("runWithModelFallback")) {
    driverChunk = f;
    break;
  }
}
if (!driverChunk) {
  out({ t: "fatal", message: `no exported runWithModelFallback in ${dist}` });
  process.exit(3);
}
// The driver's own import closure: the copies its instanceof checks use.
const closure = [];
const seen = new Set();
const queue = [driverChunk];
while (queue.length) {
  const f = queue.shift();
  if (seen.has(f) || !chunks.includes(f)) continue;
  seen.add(f);
  closure.push(f);
  queue.push(...importsOf(read(f)));
}
const where = {};
const rest = chunks.filter((f) => !seen.has(f));
for (const name of [...FUNCTIONS, ...CLASSES]) {
  where[name] = null;
  // The driver's closure first (the copy its instanceof checks use), then any chunk.
  for (const f of [...closure, ...rest]) {
    const s = read(f);
    if (!s.includes(name) || !defines(s, name)) continue;
    const alias = exportsOf(s).get(name);
    if (alias) {
      where[name] = { file: f, alias };
      break;
    }
  }
}
const api = {};
for (const [name, loc] of Object.entries(where)) {
  if (!loc) continue;
  const mod = await import(pathToFileURL(path.join(dist, loc.file)).href);
  api[name] = mod[loc.alias];
}
const BUILTINS = ["DOMException", "TypeError", "RangeError", "AggregateError"];
const named = new Map();
const classFor = (name) => {
  if (typeof api[name] === "function") return api[name];
  if (!named.has(name)) named.set(name, { [name]: class extends Error {} }[name]);
  return named.get(name);
};

// --- values ----------------------------------------------------------------------------------------------
function build(v, ids, notes) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => build(x, ids, notes));
  if (v.undefined === true) return undefined;
  if ("$ref" in v) return ids.get(v.$ref);
  if ("object" in v) {
    const obj = {};
    if (v.$id !== undefined) ids.set(v.$id, obj);
    for (const [k, x] of Object.entries(v.object)) obj[k] = build(x, ids, notes);
    return obj;
  }
  if (v.new === "Error") {
    const err = new Error(v.message);
    if (v.$id !== undefined) ids.set(v.$id, err);
    for (const [k, x] of Object.entries(v.props ?? {})) err[k] = build(x, ids, notes);
    return err;
  }
  if (typeof v.new === "string") {
    // The release's own class, else a JS builtin (DOMException: what AbortController.abort() rejects with).
    const cls = api[v.new] ?? (BUILTINS.includes(v.new) ? globalThis[v.new] : undefined);
    let obj;
    if (typeof cls === "function") {
      obj = new cls(...structuredClone(v.args ?? [])); // constructor arguments are plain JSON
      for (const [k, x] of Object.entries(v.props ?? {})) {
        const want = JSON.stringify(build(x, ids, notes));
        const got = JSON.stringify(obj[k]);
        if (want !== got) notes.push(`${v.new}: the constructor set ${k}=${got}, the case expects ${want}`);
      }
    } else {
      // Not exported by this release: an Error subclass of that exact name, own props as the case lists them.
      obj = Reflect.construct(Error, [v.props?.message ?? ""], classFor(v.new));
      for (const [k, x] of Object.entries(v.props ?? {})) obj[k] = build(x, ids, notes);
    }
    if (v.$id !== undefined) ids.set(v.$id, obj);
    return obj;
  }
  if (v.new !== undefined) throw new Error(`bad value notation: ${JSON.stringify(v).slice(0, 120)}`);
  return structuredClone(v); // a JSON dict: data (a coerce context, a `detail` field), a plain object in JS
}

const isObj = (x) => x !== null && (typeof x === "object" || typeof x === "function");
const num = (x) => (typeof x === "number" || typeof x === "string" ? x : null);

function describe(e, thrown) {
  const d = {};
  const i = thrown.indexOf(e);
  if (i >= 0) d.ref = i; // the very object run() threw at its i-th call
  if (!isObj(e)) return { ...d, primitive: e === undefined ? null : e };
  d.name = typeof e.name === "string" ? e.name : "";
  d.message = typeof e.message === "string" ? e.message : "";
  if (d.name === "FailoverError") {
    d.reason = e.reason ?? null;
    d.status = num(e.status);
    d.code = num(e.code);
    d.provider = e.provider ?? null;
    d.model = e.model ?? null;
  }
  return d;
}

function classifierOutcome(c, notes) {
  const args = build(c.args, new Map(), notes);
  const fn = api[c.fn];
  if (typeof fn !== "function") return { missing: c.fn };
  let value;
  try {
    value = fn(...args);
  } catch (err) {
    return { threw: describe(err, []) };
  }
  if (c.fn === "coerceToFailoverError") {
    if (!isObj(value)) return { value: null };
    return { value: { name: value.name ?? "", reason: value.reason ?? null, status: num(value.status), code: num(value.code), provider: value.provider ?? null, model: value.model ?? null } };
  }
  if (c.fn === "describeFailoverError") return { value: { message: value?.message ?? null, reason: value?.reason ?? null } };
  if (value === undefined) value = null;
  return { value };
}

async function driverOutcome(c, notes) {
  const runs = [];
  const onError = [];
  const thrown = [];
  const cache = new Map();
  const script = c.script ?? {};
  const actionFor = (p, m, k) => {
    const key = `${p}/${m}`;
    if (script.by_candidate && key in script.by_candidate) return script.by_candidate[key];
    if (script.calls && k < script.calls.length) return script.calls[k];
    return script.otherwise ?? null;
  };
  const run = async (p, m) => {
    const k = runs.length;
    runs.push([p, m]);
    const action = actionFor(p, m, k);
    if (!action) return undefined;
    if ("resolve" in action) return action.resolve;
    let value;
    if (!action.fresh && cache.has(action)) value = cache.get(action);
    else {
      value = build(action.throw, new Map(), notes);
      cache.set(action, value);
    }
    thrown.push(value);
    throw value;
  };
  const [[provider, model], ...rest] = c.chain;
  let result;
  try {
    const ret = await api.runWithModelFallback({
      cfg: {},
      provider,
      model,
      fallbacksOverride: rest.map(([p, m]) => `${p}/${m}`),
      run,
      onError: (a) => {
        onError.push({ provider: a?.provider ?? null, model: a?.model ?? null, attempt: a?.attempt ?? null, total: a?.total ?? null, error: describe(a?.error, thrown) });
      },
    });
    const value = isObj(ret) && "result" in ret ? ret.result : ret;
    result = { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    result = { ok: false, error: describe(err, thrown) };
  }
  return { runs, onError, result };
}

out({
  t: "hello",
  node: process.version,
  driver: driverChunk,
  symbols: Object.fromEntries(Object.entries(where).map(([k, v]) => [k, v ? `${v.file}#${v.alias}` : null])),
  classes: Object.fromEntries(CLASSES.map((n) => [n, typeof api[n] === "function" ? "real" : "by name"])),
});

// stdin asynchronously: readFileSync(0) fails with EAGAIN on a pipe that is not ready yet.
const input = [];
for await (const chunk of process.stdin) input.push(chunk);
const cases = JSON.parse(Buffer.concat(input).toString("utf8"));
for (const c of cases) {
  const notes = [];
  try {
    const outcome = c.kind === "driver" ? await driverOutcome(c, notes) : classifierOutcome(c, notes);
    out({ t: "case", id: c.id, outcome, notes });
  } catch (err) {
    out({ t: "case", id: c.id, error: String(err?.stack ?? err).slice(0, 600), notes });
  }
}
out({ t: "end" });
process.exit(0);
