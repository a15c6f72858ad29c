// Hand probe, no bridge: since which release does runWithModelFallback stop on an AbortError tagged with
// Symbol.for("openclaw.abortable.wrapper") around a TimeoutError?  node probes/fidelity/abortable_tag.mjs <dist> <file> <export>
import path from "node:path";
import { pathToFileURL } from "node:url";
const [dist, file, exp] = process.argv.slice(2);
for (const k of ["log", "info", "warn", "error", "debug"]) console[k] = () => {};
const runWithModelFallback = (await import(pathToFileURL(path.join(dist, file)).href))[exp];
async function once(tagged) {
  const runs = [];
  try {
    await runWithModelFallback({
      cfg: {}, provider: "openai", model: "gpt-a", fallbacksOverride: ["anthropic/claude-b"],
      run: async (p, m) => {
        runs.push(`${p}/${m}`);
        if (runs.length > 1) return "ok";
        const reason = new Error("The operation was aborted due to timeout");
        reason.name = "TimeoutError";
        const err = new Error(reason.message, { cause: reason });
        err.name = "AbortError";
        if (tagged) err[Symbol.for("openclaw.abortable.wrapper")] = true;
        throw err;
      },
    });
  } catch {}
  return runs.length;
}
process.stdout.write(JSON.stringify({ taggedRuns: await once(true), untaggedRuns: await once(false) }) + "\n");
process.exit(0);
