// Hand probe: does openclaw's bundled message classifier reach the provider-plugin hooks it asks for?
// node probes/fidelity/provider_hooks.mjs <dist>
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
const dist = process.argv[2];
const errorsChunk = readdirSync(dist).find((f) => f.endsWith(".js") && readFileSync(`${dist}/${f}`, "utf8").includes('requireProviderRuntime("../../plugins/provider-runtime.js")'));
const feChunk = readdirSync(dist).find((f) => f.startsWith("failover-error-") && f.endsWith(".js") && readFileSync(`${dist}/${f}`, "utf8").includes("function resolveFailoverReasonFromError("));
const req = createRequire(`${dist}/${errorsChunk}`);
let resolved;
try { resolved = req.resolve("../../plugins/provider-runtime.js"); } catch (e) { resolved = `unresolvable (${e.code})`; }
const fe = await import(`${dist}/${feChunk}`);
const alias = readFileSync(`${dist}/${feChunk}`, "utf8").match(/resolveFailoverReasonFromError as (\w+)/)[1];
const msgs = ["Together AI: concurrency limit breached, retry later", "ollama error: truncating input because it is too long"];
console.log(JSON.stringify({ errorsChunk, hookPath: resolved, reasons: msgs.map((m) => [m, fe[alias](new Error(m), "together") ?? null]) }));
