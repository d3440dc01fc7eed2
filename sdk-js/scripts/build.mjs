// Builds dist/: the ESM bundle (index.js), the script-tag build (chainless.iife.js, global
// `Chainless`) and the type declarations (tsc --emitDeclarationOnly).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
const common = { entryPoints: ["src/index.ts"], bundle: true, target: "es2020", sourcemap: true, legalComments: "none" };
await build({ ...common, format: "esm", outfile: "dist/index.js" });
await build({ ...common, format: "iife", globalName: "Chainless", minify: true, outfile: "dist/chainless.iife.js" });
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json", "--emitDeclarationOnly", "--outDir", "dist"], {
  stdio: "inherit",
});
console.log("built dist/index.js, dist/chainless.iife.js and dist/*.d.ts");
