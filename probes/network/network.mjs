// Hand probe (issue 15, false green 3): import a release's dist directly, no bridge, no world; throw Node network
// codes without a status, bodiless HTTP 400/422 and plain timeouts at runWithModelFallback; print what the driver did.
// usage: node probes/network/network.mjs 2026.5.20   (or probes/network/run.sh VERSION...)
// Per error, three plays on the chain openai/gpt-a -> anthropic/claude-b -> google/gemini-c:
//   first  the first attempt throws, the next succeeds: does the driver fall back with candidates left?
//   all    every attempt throws: how does the call end (summary and its reasons, or a raw rethrow)?
//   last   a one-candidate chain: the error on the last candidate (raw, or coerced to a FailoverError)?
import { readdirSync, readFileSync } from "node:fs";
const version = process.argv[2];
const dist = `${process.env.HOME}/.cache/simharness/targets/openclaw@${version}/package/dist`;
const file = readdirSync(dist).find((f) => /^model-fallback-.*\.(m?js)$/.test(f) && readFileSync(`${dist}/${f}`, "utf8").includes("async function runWithModelFallback"));
const src = readFileSync(`${dist}/${file}`, "utf8");
const exp = src.slice(src.lastIndexOf("export {"));
const alias = (name) => exp.match(new RegExp(`${name} as (\\w+)`))?.[1];
const mod = await import(`${dist}/${file}`);
const runWithModelFallback = mod[alias("runWithModelFallback")];
const CHAIN = [["openai", "gpt-a"], ["anthropic", "claude-b"], ["google", "gemini-c"]];

// The shapes simharness's world builds (model/vocabulary.py network_error, no_body), and the shapes openclaw's tests use.
function network(code) {
  const syscall = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "getaddrinfo" : code === "ECONNRESET" || code === "ETIMEDOUT" ? "read" : "connect";
  const host = syscall === "getaddrinfo" ? "api.provider.test" : "203.0.113.7:443";
  return Object.assign(new Error(`${syscall} ${code} ${host}`), { code, syscall, errno: -104 });
}
function apiError(message, status) {
  return Object.assign(Object.assign(new Error(message), { name: "APIError" }), { status });
}
const CODES = ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"];
const ERRORS = {
  ...Object.fromEntries(CODES.map((c) => [c, () => network(c)])),
  "ECONNREFUSED (openclaw test: connect ECONNREFUSED 127.0.0.1:11434)": () =>
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:11434"), { code: "ECONNREFUSED" }),
  "ENOTFOUND code only (message 'fetch failed')": () => Object.assign(new Error("fetch failed"), { code: "ENOTFOUND" }),
  "fetch failed, cause ECONNRESET (undici)": () => new TypeError("fetch failed", { cause: network("ECONNRESET") }),
  // the world's other timeouts (model/errors.py request_timeout, idle_timeout), bare and behind an SDK's cause
  "TimeoutError: Request timed out after 60000ms": () => Object.assign(new Error("Request timed out after 60000ms"), { name: "TimeoutError" }),
  "LLM idle timeout (120s)": () => new Error("LLM idle timeout (120s): no response from model"),
  "request timeout behind a cause": () =>
    new Error("embedded run failed: Request timed out after 60000ms", { cause: Object.assign(new Error("Request timed out after 60000ms"), { name: "TimeoutError" }) }),
  "request timeout 25 causes deep (generic wrappers)": () => {
    let e = Object.assign(new Error("Request timed out after 60000ms"), { name: "TimeoutError" });
    for (let level = 25; level >= 1; level -= 1) e = new Error(`wrapped error (level ${level})`, { cause: e });
    return e;
  },
  "400 status code (no body)": () => apiError("400 status code (no body)", 400),
  "422 No response body": () => apiError("422 No response body", 422),
  "HTTP 422: No response body (openclaw test)": () => Object.assign(new Error("HTTP 422: No response body"), { status: 422 }),
};

async function play(make, chain, succeedAt) {
  const runs = [], onErrors = [], thrown = [];
  let out;
  try {
    const res = await runWithModelFallback({
      cfg: {}, provider: chain[0][0], model: chain[0][1], fallbacksOverride: chain.slice(1).map((c) => c.join("/")),
      run: async (p, m) => {
        runs.push(`${p}/${m}`);
        if (runs.length === succeedAt) return "ok";
        const e = make(); thrown.push(e); throw e;
      },
      onError: (e) => onErrors.push(`${e.provider}/${e.model}`),
    });
    out = `returned ${JSON.stringify(res.result)}`;
  } catch (e) {
    const same = thrown.includes(e) ? " [raw: the very error run threw]" : "";
    const reasons = Array.isArray(e?.attempts) ? ` reasons=${e.attempts.map((a) => a.reason ?? "-").join(",")}` : "";
    out = `threw ${e?.name}${e?.reason ? `(reason=${e.reason})` : ""}: ${String(e?.message).slice(0, 110)}${reasons}${same}`;
  }
  return `runs=${runs.length} onError=${onErrors.length} ${out}`;
}

const only = process.argv[3];
console.log(`# openclaw@${version} (${file})`);
for (const [name, make] of Object.entries(ERRORS)) {
  if (only && name !== only) continue;
  console.log(`${name}`);
  console.log(`  first: ${await play(make, CHAIN, 2)}`);
  console.log(`  all:   ${await play(make, CHAIN, 0)}`);
  console.log(`  last:  ${await play(make, CHAIN.slice(0, 1), 0)}`);
}
process.exit(0);
