// Bundles the worker (and the workspace packages it imports, which ship as
// TypeScript source) into dist/main.js, and its launcher (one copy per core,
// `npm run start:worker`) into dist/launcher.js; npm dependencies stay external, so every
// one the bundle imports must be listed in apps/worker/package.json (resolution
// starts from dist/, where a hoisted copy of another major version may win).
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts", "src/launcher.ts"],
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  plugins: [
    {
      // Workspace packages are TypeScript source: bundle them. Every other
      // package stays external and is loaded from node_modules at run time.
      name: "externalize-npm-packages",
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@backline/") ? undefined : { path: args.path, external: true }));
      },
    },
  ],
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: "info",
});
