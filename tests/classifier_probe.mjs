// The real classifier of an openclaw release, imported directly from its dist (no bridge), for
// tests/test_classifier.py's differential. argv[2]: JSON {failover: {path, resolve, coerce, isTimeout},
// errors: {path, likely, byMessage}}. stdin: JSON lines {id, err, hint, msg?}; stdout: one JSON line per case.
// Graph notation: {"$err": {name, message, plain?, code?, status?, fields?, cause?, error?, reason?}}, {"$num": "NaN"}.
import { createInterface } from "node:readline";
const cfg = JSON.parse(process.argv[2]);
const fe = await import(cfg.failover.path);
const er = await import(cfg.errors.path);
function build(v) {
  if (v === null || typeof v !== "object") return v;
  if ("$num" in v) return Number(v.$num);
  const e = v.$err;
  const o = e.plain ? {} : new Error(e.message ?? "");
  if (e.plain && e.message) o.message = e.message;
  if (e.name !== undefined && e.name !== (e.plain ? "" : "Error")) o.name = e.name;
  if (e.code !== undefined) o.code = build(e.code);
  if (e.status !== undefined) o.status = build(e.status);
  for (const [k, x] of Object.entries(e.fields ?? {})) o[k] = build(x);
  for (const k of ["cause", "error", "reason"]) if (e[k] !== undefined) o[k] = build(e[k]);
  return o;
}
const num = (x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x);
for await (const line of createInterface({ input: process.stdin })) {
  const c = JSON.parse(line);
  const err = build(c.err);
  const hint = c.hint ?? undefined;
  const out = { id: c.id, reason: fe[cfg.failover.resolve](err, hint) ?? null, timeout: fe[cfg.failover.isTimeout](err) };
  const f = fe[cfg.failover.coerce](err, { provider: hint, model: "m" });
  out.coerced = f ? { reason: f.reason, status: num(f.status) ?? null, code: f.code ?? null, provider: f.provider ?? null, message: f.message ?? "", cause: f.cause === err } : null;
  if (typeof c.msg === "string") {
    out.likely = er[cfg.errors.likely](c.msg);
    out.byMessage = er[cfg.errors.byMessage](c.msg, { provider: hint }) ?? null;
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
