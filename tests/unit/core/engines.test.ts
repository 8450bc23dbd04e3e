/**
 * The Node.js versions package.json's `engines` promises are the ones the dependencies support (issue #21
 * item 9), and README says the same. The one known exception is aws-local-stepfunctions, which declares
 * Node 22 for `Promise.withResolvers`: on Node 20 the sandbox adds that one function (local/polyfills.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** npm's own range reader, installed with the toolchain (no types of its own here): only `satisfies` is used. */
const semver = require('semver') as { satisfies(version: string, range: string): boolean };

const ROOT = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};
/** Polyfilled on Node 20 (local/polyfills.ts), so not a limit of ours. */
const POLYFILLED = new Set(['node_modules/aws-local-stepfunctions']);

/** Every Node release line's x.y.0 from 16 to 26: what `engines` may admit. */
const VERSIONS = Array.from({ length: 11 }, (_, i) => 16 + i).flatMap((major) =>
  Array.from({ length: 30 }, (_, minor) => `${major}.${minor}.0`),
);

describe('engines', () => {
  it('admits only Node versions every installed dependency supports', () => {
    // Prepare
    const admitted = VERSIONS.filter((v) => semver.satisfies(v, pkg.engines.node));
    const limits = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return node && path && !entry.optional && !POLYFILLED.has(path) ? [{ path, node }] : [];
    });

    // Act
    const refused = admitted.flatMap((v) =>
      limits.filter((l) => !semver.satisfies(v, l.node)).map((l) => `${v}: ${l.path} needs ${l.node}`),
    );

    // Assess
    expect(admitted).toContain('20.20.0');
    expect(refused).toEqual([]);
  });

  it('is what README states, with the polyfill named', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`Node.js \`${pkg.engines.node}\``);
    expect(readme).toContain('local/polyfills.ts');
  });
});
