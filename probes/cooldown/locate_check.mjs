import { locate, SYMBOLS } from "./lib.mjs";
import os from "node:os"; import path from "node:path";
for (const v of process.argv.slice(2)) {
  const d = path.join(os.homedir(), ".cache/simharness/targets", `openclaw@${v}`, "package", "dist");
  const w = locate(d, SYMBOLS);
  process.stdout.write(v + " " + JSON.stringify(Object.fromEntries(SYMBOLS.map((s) => [s, w[s] ? `${w[s].file}#${w[s].export}` : null]))) + "\n");
}
