// Shared helpers for the issue-16 hand probes. NOT part of simharness: each probe imports a real openclaw dist
// directly (no bridge), gives it a real auth-profile store in a fresh temp state dir, and a fake Date.
//
// Usage from a probe:  const P = await setup(process.argv[2]);  // argv[2] = openclaw version, e.g. 2026.5.20
// Run with the Node the release needs: 5.x/6.x -> node22, 7.x/8.x -> node22 or 24, 9.x -> node24 (see run.sh).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const REAL_HOME = os.homedir();
export const EPOCH = 1780272000000; // 2026-06-01T00:00:00Z, as the bridge uses
let NOW = EPOCH;
const RealDate = Date;
function FakeDate(...a) {
  if (!new.target) return new RealDate(NOW).toString();
  return a.length ? new RealDate(...a) : new RealDate(NOW);
}
FakeDate.prototype = RealDate.prototype;
FakeDate.now = () => NOW;
FakeDate.parse = RealDate.parse;
FakeDate.UTC = RealDate.UTC;
globalThis.Date = FakeDate;
export const clock = {
  get: () => NOW - EPOCH,
  set: (ms) => { NOW = EPOCH + ms; },
  advance: (ms) => { NOW += ms; },
};

// Silence the target's logs (decision logs go to console); keep our own output on stderr->stdout via out().
const realLog = console.log.bind(console);
export const out = (...a) => realLog(...a);
for (const k of ["log", "info", "warn", "error", "debug"]) console[k] = () => {};

const DEF = (name) => new RegExp(`(?:^|[\\s;(])(?:async\\s+)?function\\s+${name}\\s*\\(|(?:var|let|const)\\s+${name}\\s*=\\s*class\\b|(?:^|\\s)class\\s+${name}\\b|const\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*=`, "m");
function exportsOf(src) {
  const m = new Map();
  for (const clause of src.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of clause[1].split(",")) {
      const p = item.trim().split(/\s+/);
      if (p.length === 3 && p[1] === "as") { if (!m.has(p[0])) m.set(p[0], p[2]); }
      else if (p.length === 1 && p[0]) { if (!m.has(p[0])) m.set(p[0], p[0]); }
    }
  }
  return m;
}
// Find a symbol's defining chunk and export alias (chunk names are content hashes, aliases are minified).
export function locate(dist, names) {
  const files = fs.readdirSync(dist).filter((f) => /\.(m?js)$/.test(f));
  const found = {};
  for (const f of files) {
    const src = fs.readFileSync(path.join(dist, f), "utf8");
    for (const n of names) {
      if (found[n]) continue;
      if (!src.includes(n) || !DEF(n).test(src)) continue;
      const ex = exportsOf(src).get(n);
      if (ex) found[n] = { file: f, export: ex };
    }
  }
  return found;
}

export const SYMBOLS = [
  "runWithModelFallback", "FailoverError", "markAuthProfileFailure", "markAuthProfileSuccess", "markAuthProfileGood",
  "saveAuthProfileStore", "ensureAuthProfileStore", "loadAuthProfileStoreForRuntime", "resolveAuthProfileOrder",
  "isProfileInCooldown", "clearRuntimeAuthProfileStoreSnapshots", "calculateAuthProfileCooldownMs", "resolveProfilesUnavailableReason", "closeOpenClawAgentDatabasesForTest",
];

export async function setup(version, { agentDir: useAgentDir = false } = {}) {
  const root = path.join(REAL_HOME, ".cache/simharness/targets", `openclaw@${version}`, "package", "dist");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "issue16-probe-"));
  // The environment openclaw resolves its store from: HOME and OPENCLAW_STATE_DIR under a fresh temp dir, so
  // nothing of the user's ~/.openclaw is read and every probe starts from an empty store.
  process.env.HOME = tmp;
  process.env.OPENCLAW_STATE_DIR = path.join(tmp, "state");
  process.env.OPENCLAW_LOG_LEVEL = "silent";
  process.env.OPENCLAW_DISABLE_BUNDLED_PLUGINS = "1";
  process.env.TZ = "UTC";
  delete process.env.OPENCLAW_AGENT_DIR;
  fs.mkdirSync(process.env.OPENCLAW_STATE_DIR, { recursive: true });
  const where = locate(root, SYMBOLS);
  const S = {};
  for (const [n, w] of Object.entries(where)) S[n] = (await import(pathToFileURL(path.join(root, w.file)).href))[w.export];
  const agentDir = useAgentDir ? path.join(tmp, "agent") : undefined;
  if (agentDir) fs.mkdirSync(agentDir, { recursive: true });
  return { version, dist: root, tmp, where, S, agentDir, markSuccess: S.markAuthProfileSuccess ?? S.markAuthProfileGood, profileFailureReason: runnerFailurePolicy(root), probeable: runnerProbePolicy(root, S) };
}

// The embedded runner does not record every failure on the key: it maps the failover reason through its own
// `resolveAuthProfileFailureReason` (5.20: not timeout/server_error/empty_response/format; 9.6: not overloaded,
// server_error, tls_certificate, empty_response, context_overflow, format, nor timeout before the provider
// started). The function is pure and not exported before 8.x, so its source text is taken from the runner chunk
// and evaluated. Called as the runner calls it for a provider failure: no policy, provider started.
function runnerFailurePolicy(dist) {
  const fn = runnerFunction(dist, "resolveAuthProfileFailureReason");
  if (!fn) return (reason) => reason; // not found: record everything (said in the output of probes that depend on it)
  return (reason) => fn({ failoverReason: reason, providerStarted: true, transientRateLimit: false });
}

// A function of the runner, evaluated from its source text (the first chunk defining it); `deps` binds the names its
// body calls. null when no chunk defines it.
function runnerFunction(dist, name, deps = {}) {
  const NAME = `function ${name}(`;
  for (const f of fs.readdirSync(dist).filter((f) => /\.m?js$/.test(f))) {
    const src = fs.readFileSync(path.join(dist, f), "utf8");
    const at = src.indexOf(NAME);
    if (at < 0) continue;
    const body = src.slice(at, src.indexOf("\n}\n", at) + 2);
    const names = Object.keys(deps);
    return new Function(...names, `${body}\nreturn ${name};`)(...names.map((n) => deps[n]));
  }
  return null;
}

// Which cooling keys the runner may probe (initializeAuthProfile): none unless the driver granted a probe and every
// key cools for the model; then 5.18-7.x the first key if the keys' reason passes shouldAllowCooldownProbeForReason,
// 8.1+ each key whose own reason passes shouldUseTransientCooldownProbeSlot (resolveEmbeddedAuthCooldownProbePolicy).
function runnerProbePolicy(dist, S) {
  const slot = runnerFunction(dist, "shouldUseTransientCooldownProbeSlot");
  const allow = runnerFunction(dist, "shouldAllowCooldownProbeForReason", { shouldUseTransientCooldownProbeSlot: slot });
  const deps = { isProfileInCooldown: S.isProfileInCooldown, resolveProfilesUnavailableReason: S.resolveProfilesUnavailableReason, shouldUseTransientCooldownProbeSlot: slot };
  const policy = runnerFunction(dist, "resolveEmbeddedAuthCooldownProbePolicy", deps);
  if (policy) return ({ store, order, model, probe }) => policy({ authStore: store, profileCandidates: order, modelId: model, allowTransientCooldownProbe: probe }).probeProfileIds;
  return ({ store, order, model, probe }) => {
    const all = order.length > 0 && order.every((id) => S.isProfileInCooldown(store, id, undefined, model));
    const reason = all ? (S.resolveProfilesUnavailableReason({ store, profileIds: order }) ?? "unknown") : null;
    return new Set(probe && all && allow(reason) ? order.slice(0, 1) : []);
  };
}

// Seed the store with api-key profiles through the release's own writer (JSON files in 5.x-8.x, SQLite in 9.x).
export function seed(P, profiles, usageStats = {}) {
  const store = { version: 1, profiles: {}, usageStats: { ...usageStats } };
  for (const [id, provider] of Object.entries(profiles)) store.profiles[id] = { type: "api_key", provider, key: `sk-${id.replace(/\W/g, "")}` };
  P.S.saveAuthProfileStore(store, P.agentDir);
  P.S.clearRuntimeAuthProfileStoreSnapshots?.();
  return store;
}

export function readStats(P) {
  const load = P.S.loadAuthProfileStoreForRuntime ?? P.S.ensureAuthProfileStore;
  const s = load(P.agentDir, { readOnly: true });
  return s.usageStats ?? {};
}

// A stand-in for the embedded runner's per-provider profile loop (runEmbeddedPiAgent): pick the first profile the
// release itself orders for this provider and that is not cooling down for this model (else the one the runner may
// probe, when the driver granted a probe: `runnerProbePolicy`), call the world, and on failure record it the way the runner does
// (markAuthProfileFailure with modelId, then throw a FailoverError). `world(provider, model, profileId)` returns
// {ok:true, value} or {reason, status, retryAfterMs}. `log` collects what happened.
export function makeRun(P, world, log, { cfg = {}, markSuccess = true } = {}) {
  return async (provider, model, options) => {
    const store = P.S.ensureAuthProfileStore(P.agentDir);
    const order = P.S.resolveAuthProfileOrder({ cfg, store, provider });
    const probe = Boolean(options?.allowTransientCooldownProbe);
    const probeable = P.probeable({ store, order, model, probe });
    const profileId = order.find((id) => !P.S.isProfileInCooldown(store, id, undefined, model) || probeable.has(id));
    if (order.length > 0 && !profileId) {
      // What the embedded runner does when every profile of the provider is cooling down for this model and no
      // probe was granted: it refuses before any provider request.
      const reason = P.S.resolveProfilesUnavailableReason?.({ store, profileIds: order, now: Date.now() }) ?? "unknown";
      log.push({ t: clock.get(), call: `${provider}/${model}`, profileId: null, probe, outcome: `refused(${reason})` });
      throw new P.S.FailoverError(`No available auth profile for ${provider} (all in cooldown or unavailable).`, { reason, provider, model });
    }
    const r = await world(provider, model, profileId);
    log.push({ t: clock.get(), call: `${provider}/${model}`, profileId, probe, outcome: r.ok ? "ok" : r.reason });
    if (r.ok) {
      if (markSuccess && profileId) await P.markSuccess({ store, provider, profileId, agentDir: P.agentDir });
      return r.value;
    }
    const markReason = P.profileFailureReason(r.reason);
    log.at(-1).marked = markReason ?? "not recorded";
    if (profileId && markReason) await P.S.markAuthProfileFailure({ store, profileId, reason: markReason, cfg, agentDir: P.agentDir, runId: "probe", modelId: model, ...(r.retryAfterMs ? { retryAfterMs: r.retryAfterMs } : {}) });
    const err = new P.S.FailoverError(r.message ?? `HTTP ${r.status ?? "?"} ${r.reason}`, { reason: r.reason, provider, model, profileId, status: r.status });
    if (r.retryAfterMs) err.retryAfterMs = r.retryAfterMs;
    throw err;
  };
}

export async function fallback(P, chain, run, extra = {}) {
  const [[provider, model], ...rest] = chain;
  try {
    const ret = await P.S.runWithModelFallback({ cfg: {}, provider, model, fallbacksOverride: rest.map(([p, m]) => `${p}/${m}`), agentDir: P.agentDir, run, ...extra });
    return { ok: true, provider: ret.provider, model: ret.model, attempts: (ret.attempts ?? []).map((a) => `${a.provider}/${a.model}:${a.reason}`) };
  } catch (err) {
    return { ok: false, name: err?.name, message: String(err?.message).slice(0, 300), attempts: (err?.attempts ?? []).map((a) => `${a.provider}/${a.model}:${a.reason}${/cooldown|skipping/i.test(a.error ?? "") ? "(skipped)" : ""}`) };
  }
}

export function cleanup(P) {
  try { fs.rmSync(P.tmp, { recursive: true, force: true }); } catch {}
}
export const iso = (ms) => (ms == null ? null : `+${((ms - EPOCH) / 1000).toFixed(1)}s`);
export function brief(stats) {
  const o = {};
  for (const [id, s] of Object.entries(stats)) o[id] = { errorCount: s.errorCount, cooldownUntil: iso(s.cooldownUntil), cooldownModel: s.cooldownModel, cooldownReason: s.cooldownReason, disabledUntil: iso(s.disabledUntil), blockedUntil: iso(s.blockedUntil), failureCounts: s.failureCounts };
  return o;
}
