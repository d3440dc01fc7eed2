// Bundles the test host and the test mini-program (pages/*.ts) into OUT_DIR with the esbuild and
// viem of sdk-js/node_modules; the mini-program imports `@chainless/sdk` from the built package
// (sdk-js/dist, `make setup`), as an app would. Usage: node tests/sdk_js/build.mjs OUT_DIR
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const sdkJs = resolve(here, "../../sdk-js");
const dist = join(sdkJs, "dist/index.js");
if (!existsSync(dist)) {
  console.error(`no ${dist}: build the SDK first (make setup)`);
  process.exit(2);
}
const out = resolve(process.argv[2] ?? join(here, "build"));
mkdirSync(out, { recursive: true });
const { build } = createRequire(join(sdkJs, "package.json"))("esbuild");
await build({
  entryPoints: [join(here, "pages/host.ts"), join(here, "pages/app.ts")],
  outdir: out,
  bundle: true,
  format: "esm",
  target: "es2022",
  nodePaths: [join(sdkJs, "node_modules")],
  alias: { "@chainless/sdk": dist },
  logLevel: "warning",
});
for (const page of ["host.html", "app.html", "callback.html"]) copyFileSync(join(here, "pages", page), join(out, page));
console.log(`built ${out}`);
