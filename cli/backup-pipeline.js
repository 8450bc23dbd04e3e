#!/usr/bin/env node
// The `backup-pipeline` command (the package's `bin`): runs the CLI as `npm ci` builds it (the `prepare`
// script, cli/build.js) into dist/cli.js, plain JavaScript, so a command starts in a fraction of a second
// instead of compiling TypeScript first. `npm run cli` runs the source through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(built)) {
  process.stderr.write('backup-pipeline: the CLI is not built (dist/cli.js is missing): run npm ci or npm run build\n');
  process.exit(2);
}
const cli = require(built);
// Exits only once stdout and stderr are flushed: a pipe would otherwise lose all past its first 64 KiB.
cli.main(process.argv).then(cli.exitWhenFlushed);
