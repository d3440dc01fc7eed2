// Builds dist/: the host page (index.html), its script (static/sandbox.js, one esbuild bundle,
// no runtime dependencies) and its style sheet. Nothing is fetched at run time.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  outfile: "dist/sandbox.js",
});
copyFileSync("src/index.html", "dist/index.html");
copyFileSync("src/sandbox.css", "dist/sandbox.css");
console.log("built sandbox/web/dist (index.html, sandbox.js, sandbox.css)");
