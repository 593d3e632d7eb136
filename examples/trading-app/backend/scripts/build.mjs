// Builds one self-contained CommonJS bundle per handler: src/handlers/<module>.ts ->
// dist/<module>.js (Lambda handler "<module>.handler", runtime nodejs20.x), with every runtime
// dependency inside, the AWS SDK v3 clients included.
//
// Reproducible: the same sources and lockfile give byte-identical bundles (esbuild is
// deterministic; no source maps, metafiles, timestamps or absolute paths; the paths in the
// bundle's comments are relative to this folder, whatever the current directory). Each
// handler is a separate build, so a change in one handler's source changes only its bundle.

import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlersDir = join(root, 'src', 'handlers');
const dist = join(root, 'dist');

const modules = readdirSync(handlersDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .map((name) => name.slice(0, -3))
  .sort();

rmSync(dist, { recursive: true, force: true });

const started = Date.now();
await Promise.all(
  modules.map((module) =>
    build({
      absWorkingDir: root,
      entryPoints: [`src/handlers/${module}.ts`],
      outfile: `dist/${module}.js`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // Prefer the ES module builds of dependencies (the AWS SDK's dist-es): better tree shaking.
      mainFields: ['module', 'main'],
      minify: true,
      // Readable function and class names in stack traces and error names despite minifying.
      keepNames: true,
      sourcemap: false,
      metafile: false,
      legalComments: 'eof',
      charset: 'utf8',
      logLevel: 'warning',
      tsconfig: 'tsconfig.json',
    }),
  ),
);

const written = readdirSync(dist).sort();
const expected = modules.map((module) => `${module}.js`);
if (JSON.stringify(written) !== JSON.stringify(expected)) {
  console.error(`dist/ holds ${written.join(', ')}; expected exactly ${expected.join(', ')}`);
  process.exit(1);
}
console.log(`built ${expected.map((file) => `dist/${file}`).join(', ')} in ${Date.now() - started} ms`);
