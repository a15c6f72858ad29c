// Find runWithModelFallback and the error classes in an openclaw dist by scanning its chunks, the way
// simharness/targets/locate.py does (chunk names are content hashes, exports are minified aliases), but
// written again here so a probe depends on nothing of the harness: evidence obtained outside the bridge.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const EXPORT = /export\s*\{([^}]*)\}/g;

function exportsOf(source) {
  const out = new Map(); // local name -> exported alias
  for (const m of source.matchAll(EXPORT)) {
    for (const item of m[1].split(",")) {
      const parts = item.trim().split(/\s+/);
      if (parts.length === 3 && parts[1] === "as") {
        if (!out.has(parts[0])) out.set(parts[0], parts[2]);
      } else if (parts.length === 1 && parts[0]) {
        if (!out.has(parts[0])) out.set(parts[0], parts[0]);
      }
    }
  }
  return out;
}

function defines(source, name) {
  return (
    new RegExp(`(?:^|[\\s;(])(?:async\\s+)?function\\s+${name}\\s*\\(`, "m").test(source) ||
    new RegExp(`(?:var|let|const)\\s+${name}\\s*=\\s*class\\b`).test(source) ||
    new RegExp(`(?:^|\\s)class\\s+${name}\\b`, "m").test(source)
  );
}

export function distDir(dir) {
  return fs.existsSync(path.join(dir, "dist")) ? path.join(dir, "dist") : dir;
}

/**
 * Scan `dist` for `wanted` names. Returns {name: {file, alias} | {file, alias: null}}: alias null means the
 * dist defines it but exports it from nowhere (a probe then builds a same-named subclass).
 */
export function locate(dist, wanted) {
  const found = {};
  const chunks = fs
    .readdirSync(dist)
    .filter((f) => f.endsWith(".js") || f.endsWith(".mjs"))
    .sort();
  for (const file of chunks) {
    const source = fs.readFileSync(path.join(dist, file), "utf8");
    const present = wanted.filter((w) => source.includes(w));
    if (!present.length) continue;
    const exported = exportsOf(source);
    for (const name of present) {
      if (!defines(source, name)) continue;
      const alias = exported.get(name) ?? null;
      if (!found[name] || (found[name].alias === null && alias !== null)) found[name] = { file, alias };
    }
  }
  return found;
}

export async function load(dist, where) {
  if (!where || where.alias === null) return undefined;
  const mod = await import(pathToFileURL(path.join(dist, where.file)).href);
  return mod[where.alias];
}

export function packageVersion(dist) {
  for (const p of [path.join(dist, "..", "package.json"), path.join(dist, "package.json")]) {
    try {
      return JSON.parse(fs.readFileSync(p, "utf8")).version ?? "unknown";
    } catch {}
  }
  return "unknown";
}
