// Hand probe, no bridge: does runWithModelFallback fall back after run() throws a bare AbortError, with and without
// the caller's abortSignal aborted?  node probes/fidelity/abort_signal.mjs <dist> <file> <export>
import path from "node:path";
import { pathToFileURL } from "node:url";
const [dist, file, exp] = process.argv.slice(2);
process.env.OPENCLAW_LOG_LEVEL = "silent";
for (const k of ["log", "info", "warn", "error", "debug"]) console[k] = () => {};
const runWithModelFallback = (await import(pathToFileURL(path.join(dist, file)).href))[exp];
async function once(abortCaller) {
  const controller = new AbortController();
  const runs = [];
  try {
    await runWithModelFallback({
      cfg: {}, provider: "openai", model: "gpt-a", fallbacksOverride: ["anthropic/claude-b"], abortSignal: controller.signal,
      run: async (p, m) => {
        runs.push(`${p}/${m}`);
        if (runs.length === 1) {
          const err = new Error("aborted");
          err.name = "AbortError";
          if (abortCaller) controller.abort(err);
          throw err;
        }
        return "ok";
      },
    });
  } catch {}
  return runs.length;
}
process.stdout.write(JSON.stringify({ bareAbortRuns: await once(false), callerAbortedRuns: await once(true) }) + "\n");
process.exit(0);
