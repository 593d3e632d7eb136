// Builds twice and compares the SHA-256 of every file in dist/: exits non-zero when a build is
// not byte-identical to the one before. Prints the hashes (what the deploy will upload).

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

function buildAndHash() {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  return Object.fromEntries(
    readdirSync(dist)
      .sort()
      .map((file) => [file, createHash('sha256').update(readFileSync(join(dist, file))).digest('hex')]),
  );
}

const first = buildAndHash();
const second = buildAndHash();
const same = JSON.stringify(first) === JSON.stringify(second);
for (const [file, hash] of Object.entries(second)) {
  const note = first[file] === hash ? '' : `  DIFFERS from the first build (${first[file] ?? 'absent'})`;
  console.log(`${hash}  dist/${file}${note}`);
}
if (!same) {
  console.error('the two builds differ: the build is not reproducible');
  process.exit(1);
}
console.log('two builds, byte-identical');
