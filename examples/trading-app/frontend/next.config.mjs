// @ts-check
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

/** Everything that shapes every page: the toolchain, the configuration, and the shared code. */
const SHARED = ["package.json", "package-lock.json", "next.config.mjs", "tsconfig.json", "app", "components", "lib"];
const SOURCE = /\.(tsx?|mjs|js|css|json|woff2)$/;

/** Files under `dir`, sorted, as paths relative to the project with "/" separators. */
function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else out.push(relative(root, path).split(sep).join("/"));
  }
  return out.sort();
}

/**
 * Route files: a page.tsx, its <Name>View.tsx beside it, and every file of a route folder (a
 * folder of app/ other than app/ itself that holds a page.tsx). They change only their route's
 * HTML, payloads and chunks (whose names Next derives from their content), so they are left out
 * of the build id: editing one page leaves every other page's files byte-identical.
 */
function isRouteFile(file, routeDirs) {
  if (!file.startsWith("app/")) return false;
  if (/(^|\/)page\.(tsx|ts|jsx|js)$/.test(file) || /View\.(tsx|jsx)$/.test(file)) return true;
  return routeDirs.some((dir) => file.startsWith(`${dir}/`));
}

/**
 * Build id: sha256 of the shared files and of every NEXT_PUBLIC_ variable (Next has loaded
 * .env.production.local into process.env before it reads this file). Same source and config,
 * same id: the export is reproducible; a change of a shared file, a dependency or the config
 * gives a new id, which Next's client router uses to tell deployments apart.
 */
export function contentBuildId() {
  const files = [];
  for (const name of SHARED) {
    const path = join(root, name);
    if (!existsSync(path)) continue;
    if (name.includes(".")) files.push(name);
    else files.push(...walk(path).filter((f) => SOURCE.test(f)));
  }
  const routeDirs = files
    .filter((f) => f.startsWith("app/") && /\/page\.(tsx|ts|jsx|js)$/.test(f))
    .map((f) => f.slice(0, f.lastIndexOf("/")))
    .filter((dir) => dir !== "app");
  const hash = createHash("sha256");
  for (const file of files) {
    if (isRouteFile(file, routeDirs)) continue;
    hash.update(`file ${file}\0`).update(readFileSync(join(root, file))).update("\0");
  }
  for (const key of Object.keys(process.env).filter((k) => k.startsWith("NEXT_PUBLIC_")).sort()) {
    hash.update(`env ${key}=${process.env[key]}\0`);
  }
  return `b-${hash.digest("hex").slice(0, 20)}`;
}

/** @type {import("next").NextConfig} */
const nextConfig = {
  output: "export",
  trailingSlash: false,
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  productionBrowserSourceMaps: false,
  generateBuildId: async () => contentBuildId(),
  // Paths inside the bundles are relative to this folder, wherever the checkout lives.
  turbopack: { root },
};

export default nextConfig;
