// The bundle-size budget: the ESM build with every export imported, minified as an app's
// bundler would, gzipped. Fails above the budget (12 kB = 12 * 1024 bytes).
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const BUDGET = 12 * 1024;
const result = await build({
  stdin: { contents: 'import * as sdk from "./dist/index.js"; globalThis.__sdk = sdk;', resolveDir: process.cwd() },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  write: false,
});
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
console.log(`ESM, everything imported: ${code.length} bytes minified, ${gzip} bytes gzip (budget ${BUDGET})`);
if (gzip > BUDGET) {
  console.error("over the bundle-size budget");
  process.exit(1);
}
