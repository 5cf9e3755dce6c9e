// Bundle frontend/src into frontend/dist (collected by Django's staticfiles).
import * as esbuild from "esbuild";

await esbuild.build({
  entryPoints: {
    proofsheet: "frontend/src/main.js",
    studio: "frontend/src/studio.js",
    gallery: "frontend/src/gallery.js",
    pay: "frontend/src/pay.js",
  },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  target: ["es2020"],
  outdir: "frontend/dist",
  loader: { ".css": "css" },
  logLevel: "info",
});
