#!/usr/bin/env node
// The `backup-pipeline` command: runs the TypeScript CLI through tsx (installed with the project).
require('tsx/cjs');
const { main } = require('./index.ts');
main(process.argv).then((code) => process.exit(code));
