// Hand probe: the reason a release's own code gives each vocabulary shape, as its "All models failed" summary
// entry would name it. Imports the release's dist directly (no bridge, no simulated world):
// `coerceToFailoverError(err, {provider, model})` (what runWithModelFallback does to a candidate's error), then
// the FailoverError's `reason`; "unknown" when the error stays unclassified (the driver records `unknown`, or on the
// last candidate rethrows the error raw). Shapes are built as simharness/model/vocabulary.py builds them.
// usage: NODE probes/reason/reasons.mjs ~/.cache/simharness/targets/openclaw@VERSION/package/dist [--json] [SYMBOLS]
// (NODE: the release's Node, `simharness target list`; 2026.9.x needs Node >= 24.16)
import { readdirSync, readFileSync } from "node:fs";

const dist = process.argv[2];
const found = {};
// optional: the symbols simharness/targets/locate.py found, as JSON {name: [file, export]} (2026.8.2+ define
// FailoverError outside the failover-error chunk); without it the failover-error chunk's own exports are read
const given = process.argv.find((a) => a.startsWith("{"));
if (given) for (const [name, [file, alias]] of Object.entries(JSON.parse(given))) found[name] = (await import(`${dist}/${file}`))[alias];
for (const f of readdirSync(dist).filter((f) => /^failover-error-.*\.m?js$/.test(f))) {
  const src = readFileSync(`${dist}/${f}`, "utf8");
  const tail = src.slice(src.lastIndexOf("export {"));
  const mod = await import(`${dist}/${f}`);
  for (const name of ["coerceToFailoverError", "describeFailoverError", "FailoverError"]) {
    const alias = tail.match(new RegExp(`\\b${name} as (\\w+)`))?.[1] ?? (new RegExp(`\\b${name}\\b`).test(tail) ? name : undefined);
    if (alias && mod[alias] && !found[name]) found[name] = mod[alias];
  }
}
const { coerceToFailoverError: coerce, FailoverError } = found;

const err = (message, props = {}) => Object.assign(new Error(message), props);
const named = (name, message, props = {}) => Object.assign(err(message, props), { name });
const FAILURES = {
  rate_limit: [429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", "⚠️ API rate limit reached. Please try again later.", "RESOURCE_EXHAUSTED"],
  overloaded: [529, "overloaded_error", "Overloaded", "The AI service is temporarily overloaded. Please try again in a moment.", "UNAVAILABLE"],
  unavailable: [503, "api_error", "Service Unavailable", "⚠️ Service Unavailable", "UNAVAILABLE"],
  internal: [500, "api_error", "Internal server error", "⚠️ Internal server error", "INTERNAL"],
  auth: [401, "authentication_error", "invalid x-api-key", "⚠️ invalid x-api-key", "UNAUTHENTICATED"],
  billing: [402, "billing_error", "Your credit balance is too low to access the API", "⚠️ API provider returned a billing error — your API key has run out of credits or has an insufficient balance. Check your provider's billing dashboard and top up or switch to a different API key.", "FAILED_PRECONDITION"],
};
function shaped(failure, form) {
  const [status, type, message, friendly, google] = FAILURES[failure];
  const body = { type: "error", error: { type, message } };
  const text = JSON.stringify(body);
  switch (form) {
    case "status": return named("APIError", `${status} ${text}`, { status });
    case "cause": return err("LLM request failed", { cause: named("APIError", `${status} ${text}`, { status }) });
    case "response": return err(`Request failed with status code ${status}`, { response: { status, data: body } });
    case "body": return err(text);
    case "stream": return err(text, { error: { type: "error", error: { message, type } } });
    case "finish_reason": return err("Unhandled stop reason: error");
    case "friendly": return err(friendly);
    case "status_code": return err(message, { statusCode: status });
    case "status_string": return err(message, { status: String(status) });
    case "plain": return { error: { message, code: status, status: google } };
  }
}
const cases = {};
for (const failure of Object.keys(FAILURES))
  for (const form of ["status", "cause", "response", "body", "stream", "finish_reason", "friendly", "status_code", "status_string", "plain"])
    cases[`shaped:${failure}:${form}`] = () => shaped(failure, form);
Object.assign(cases, {
  "shaped:timeout:timeout_error": () => named("TimeoutError", "Request timed out after 60000ms"),
  "shaped:timeout:provider_abort": () => named("AbortError", "aborted", { reason: "deadline exceeded" }),
  "shaped:timeout:budget_abort": () => named("AbortError", "This operation was aborted", { reason: named("TimeoutError", "The operation was aborted due to timeout") }),
  "shaped:timeout:request_aborted": () => named("AbortError", "Request was aborted"),
  "shaped:timeout:etimedout": () => err("read ETIMEDOUT", { code: "ETIMEDOUT" }),
  "shaped:timeout:idle": () => err("LLM idle timeout (60s): no response from model"),
  "network:ECONNRESET": () => err("read ECONNRESET 203.0.113.7:443", { code: "ECONNRESET", syscall: "read", errno: -104 }),
  "network:ETIMEDOUT": () => err("read ETIMEDOUT 203.0.113.7:443", { code: "ETIMEDOUT", syscall: "read", errno: -104 }),
  "network:ENOTFOUND": () => err("getaddrinfo ENOTFOUND api.provider.test", { code: "ENOTFOUND", syscall: "getaddrinfo", errno: -104 }),
  "network:EAI_AGAIN": () => err("getaddrinfo EAI_AGAIN api.provider.test", { code: "EAI_AGAIN", syscall: "getaddrinfo", errno: -104 }),
  "network:ECONNREFUSED": () => err("connect ECONNREFUSED 203.0.113.7:443", { code: "ECONNREFUSED", syscall: "connect", errno: -104 }),
  "network:ENETUNREACH": () => err("connect ENETUNREACH 203.0.113.7:443", { code: "ENETUNREACH", syscall: "connect", errno: -104 }),
  "abort_timeout:provider_abort": () => named("AbortError", "aborted", { reason: "reason: abort" }),
  "abort_timeout:budget_abort": () => named("AbortError", "This operation was aborted", { reason: named("TimeoutError", "The operation was aborted due to timeout", { timeoutMs: 60000 }) }),
  "abort_timeout:request_aborted": () => named("AbortError", "Request was aborted"),
  "no_body:400": () => named("APIError", "400 status code (no body)", { status: 400 }),
  "no_body:422": () => named("APIError", "422 No response body", { status: 422 }),
  "detail_code:plain": () => ({ detail: { code: "deactivated_workspace" } }),
  "detail_code:with_status": () => err("Forbidden", { status: 403, detail: { code: "deactivated_workspace" } }),
  "plain_object:rate_limit": () => ({ error: { message: "Resource has been exhausted (e.g. check quota).", code: 429, status: "RESOURCE_EXHAUSTED" } }),
  "failover:failover_thrown": () => new FailoverError("anthropic/claude-b: rate limited by the provider", { reason: "rate_limit", provider: "anthropic", model: "claude-b", status: 429 }),
  "model_switch": () => named("LiveSessionModelSwitchError", "Live session model switch requested: openai/gpt-a", { provider: "openai", model: "gpt-a" }),
});
for (const m of ["Rate limit exceeded", "Weekly quota exceeded", "Connection error.", "Unhandled stop reason: error", "No API key found for profile openai.", "Model not found: openai/gpt-6", "LLM request rejected: Your credit balance is too low to access the Anthropic API."])
  cases[`message_only:${m}`] = () => err(m);

const out = {};
for (const [k, make] of Object.entries(cases)) {
  try {
    const e = make();
    const c = e instanceof FailoverError ? e : coerce(e, { provider: "anthropic", model: "claude-b" });
    out[k] = c && c.reason ? c.reason : "unknown";
  } catch (e) {
    out[k] = `threw ${e?.name}: ${e?.message}`;
  }
}
if (process.argv.includes("--json")) console.log(JSON.stringify(out));
else for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(60)} ${v}`);
process.exit(0);
