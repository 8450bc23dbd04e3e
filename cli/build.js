#!/usr/bin/env node
/**
 * Builds the shipped CLI: cli/index.ts bundled by esbuild into dist/cli.js, the package's `bin`, so
 * `backup-pipeline` starts as plain JavaScript instead of compiling TypeScript at every start (1.3-5 s
 * with tsx; issue #13). Dependencies stay external, loaded from node_modules as each command needs them
 * (cli/index.ts loads a command's module only when it runs). dist/ sits beside cli/, local/ and shared/,
 * so the paths those modules resolve from __dirname (cdk.json, statemachines/) are the same from the
 * bundle. `npm ci` builds it (the `prepare` script), as does `npm run build`; the e2e tests build it
 * before they spawn it.
 */
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const OUTFILE = join(ROOT, 'dist', 'cli.js');

/** Builds dist/cli.js; resolves with its path. */
async function buildCli() {
  const { build } = require('esbuild');
  await build({
    entryPoints: [join(ROOT, 'cli', 'index.ts')],
    outfile: OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return OUTFILE;
}

function hasEsbuild() {
  try {
    require.resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

module.exports = { buildCli, OUTFILE };

if (require.main === module) {
  // `npm ci --omit=dev` has no esbuild: the install goes on (the bin then says the CLI is not built),
  // while `npm run build` still fails.
  if (process.env.npm_lifecycle_event === 'prepare' && !hasEsbuild()) {
    process.stderr.write('cli/build.js: esbuild is not installed (dev dependencies omitted): the CLI is not built\n');
    process.exit(0);
  }
  buildCli().catch((error) => {
    process.stderr.write(`cli/build.js: ${error.message}\n`);
    process.exit(1);
  });
}
