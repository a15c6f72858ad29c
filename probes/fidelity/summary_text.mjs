// Hand probe, no harness code: imports a release's dist directly.
// node probes/fidelity/summary_text.mjs DIST  -> one line per question
import fs from "node:fs"; import path from "node:path"; import { pathToFileURL } from "node:url";
const dist = process.argv[2];
for (const k of ["log","info","warn","error","debug"]) console[k] = () => {};
const files = fs.readdirSync(dist).filter((f) => f.endsWith(".js"));
const find = (re) => files.find((f) => re.test(f) && fs.readFileSync(path.join(dist, f), "utf8").includes("async function runWithModelFallback("));
const mf = find(/^model-fallback-.*\.js$/);
const src = fs.readFileSync(path.join(dist, mf), "utf8");
const alias = (name, s) => s.match(new RegExp(`export \\{[^}]*\\b${name} as (\\w+)`))?.[1];
const m = await import(pathToFileURL(path.join(dist, mf)).href);
const run = m[alias("runWithModelFallback", src)];
const fe = src.match(/from "\.\/(failover-error-[^"]+)"/)[1];
const fsrc = fs.readFileSync(path.join(dist, fe), "utf8");
const f = await import(pathToFileURL(path.join(dist, fe)).href);
const isTimeoutError = f[alias("isTimeoutError", fsrc)];
const FailoverError = f[alias("FailoverError", fsrc)];
async function chain(firstError) {
  const calls = [];
  try {
    const r = await run({ cfg: {}, provider: "openai", model: "gpt-4.1-mini", fallbacksOverride: ["anthropic/claude-haiku-3-5"],
      run: async (p, mm) => { calls.push(`${p}/${mm}`); if (calls.length === 1) throw firstError(); return "ok"; } });
    return `returned ${r.result} after ${calls.join(" -> ")}`;
  } catch (e) { return `threw ${e?.name}: ${String(e?.message).slice(0, 140)} after ${calls.join(" -> ")}`; }
}
const abortWith = (reason) => () => Object.assign(new Error("This operation was aborted"), { name: "AbortError", reason });
console.info = (...a) => process.stdout.write(a.join(" ") + "\n");
const v = JSON.parse(fs.readFileSync(path.join(dist, "..", "package.json"), "utf8")).version;
console.info(`${v} isTimeoutError(AbortError reason "user stop") = ${isTimeoutError(abortWith("user stop")())}`);
console.info(`${v} AbortError reason "user stop": ${await chain(abortWith("user stop"))}`);
console.info(`${v} AbortError no reason: ${await chain(abortWith(undefined))}`);
// summary text: a FailoverError whose rawError belongs to another provider
{
  const calls = [];
  try {
    await run({ cfg: {}, provider: "anthropic", model: "claude-opus-4-7", fallbacksOverride: ["google/gemini-3.1-pro-preview"],
      run: async (p, mm) => { calls.push(p); throw new FailoverError("LLM request timed out.", { provider: "openai", model: "gpt-5.4", reason: "timeout", status: 408, rawError: "You exceeded your current OpenAI quota." }); } });
  } catch (e) { console.info(`${v} summary: ${e.message.slice(0, 200)}`); }
}
