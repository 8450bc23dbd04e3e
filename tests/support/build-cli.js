/**
 * The e2e project's global setup: builds dist/cli.js (the package's `bin`) from the source under test,
 * so the CLI tests spawn what ships, never a stale build.
 */
const { buildCli } = require('../../cli/build.js');

module.exports = async () => {
  await buildCli();
};
