// Hand probe: does a release's own classifier read an HTTP status an SDK put outside `status`?
// Imports the release's dist directly (no bridge). usage: node probes/fidelity/hidden_status.mjs 2026.5.20
import { readdirSync, readFileSync } from "node:fs";
const version = process.argv[2];
const dist = `${process.env.HOME}/.cache/simharness/targets/openclaw@${version}/package/dist`;
let fn;
for (const f of readdirSync(dist).filter((f) => /^failover-error-.*\.m?js$/.test(f))) {
  const src = readFileSync(`${dist}/${f}`, "utf8");
  const alias = src.slice(src.lastIndexOf("export {")).match(/resolveFailoverReasonFromError as (\w+)/)?.[1];
  if (alias) fn = (await import(`${dist}/${f}`))[alias];
}
const shapes = {
  "axios response.status 503": Object.assign(new Error("Request failed with status code 503"), { response: { status: 503 } }),
  "plain body {error:{code:401}}": { error: { code: 401, type: "authentication_error", message: "invalid x-api-key" } },
  "message 'invalid x-api-key'": new Error("invalid x-api-key"),
  "control: status 503": Object.assign(new Error("Service Unavailable"), { status: 503 }),
};
console.log(version, Object.entries(shapes).map(([k, e]) => `${k} => ${JSON.stringify(fn ? fn(e) ?? null : "no fn")}`).join("; "));
process.exit(0);
