// p09: a candidate dropped without a record? After a `tls_certificate` failure the 9.x driver excludes the
// provider's remaining candidates (`tlsFailedProviders`): are they recorded as skipped (attempts / summary)?
// Chain prov-a/m1 -> prov-a/m2 -> prov-b/m3; prov-a/m1 throws FailoverError(reason tls_certificate), prov-b fails 503.
// No auth-profile store: this is the driver loop alone.
import { setup, fallback, out, cleanup } from "./lib.mjs";
const P = await setup(process.argv[2], { agentDir: true });
const calls = [];
const run = async (provider, model) => {
  calls.push(`${provider}/${model}`);
  if (provider === "prov-a") throw new P.S.FailoverError("self-signed certificate in certificate chain", { reason: "tls_certificate", provider, model, code: "SELF_SIGNED_CERT_IN_CHAIN" });
  const e = new Error("503 Service Unavailable"); e.status = 503; throw e;
};
const r = await fallback(P, [["prov-a", "m1"], ["prov-a", "m2"], ["prov-b", "m3"]], run);
out(`${P.version} run() calls=[${calls.join(", ")}] recorded attempts=[${r.attempts.join(", ")}] thrown=${r.name}: ${String(r.message).slice(0, 140)}`);
cleanup(P);
