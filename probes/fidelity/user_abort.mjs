// Hand probe, no harness code: a real AbortController abort thrown by run().
// node probes/fidelity/user_abort.mjs DIST CHUNK ALIAS   (the chunk that exports runWithModelFallback, and its alias)
import path from "node:path"; import { pathToFileURL } from "node:url"; import fs from "node:fs";
const [dist, chunk, alias] = process.argv.slice(2);
for (const k of ["log","info","warn","error","debug"]) console[k] = () => {};
const run = (await import(pathToFileURL(path.join(dist, chunk)).href))[alias];
const v = JSON.parse(fs.readFileSync(path.join(dist, "..", "package.json"), "utf8")).version;
for (const [label, make] of [
  ["AbortController.abort() (DOMException)", () => { const c = new AbortController(); c.abort(); return c.signal.reason; }],
  ['AbortController.abort("user stop")', () => { const c = new AbortController(); c.abort("user stop"); try { c.signal.throwIfAborted(); } catch (e) { return Object.assign(new Error("This operation was aborted"), { name: "AbortError", reason: e }); } }],
  ['Error "aborted" named AbortError', () => Object.assign(new Error("aborted"), { name: "AbortError" })],
]) {
  const calls = [];
  let out;
  try {
    const r = await run({ cfg: {}, provider: "openai", model: "gpt-4.1-mini", fallbacksOverride: ["anthropic/claude-haiku-3-5"],
      run: async (p, m) => { calls.push(`${p}/${m}`); if (calls.length === 1) throw make(); return "ok"; } });
    out = `FELL BACK, returned ${r.result}`;
  } catch (e) { out = `stopped: ${e?.name}: ${e?.message}`; }
  process.stdout.write(`${v}  ${label}: ${out} (runs: ${calls.join(" -> ")})\n`);
}
