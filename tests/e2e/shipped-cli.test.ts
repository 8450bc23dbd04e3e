/**
 * The CLI as the package ships it (issue #13, speed): the `bin` is JavaScript built by `npm ci`
 * (dist/cli.js, cli/build.js), not TypeScript compiled at every start, and `--help` loads no command
 * module: neither the AWS SDK nor the sandbox. Run as an operator runs it, in child processes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, SHIPPED_CLI } from '../support/processes';

jest.setTimeout(60_000);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe('the shipped backup-pipeline', () => {
  it('is the JavaScript bundle npm ci builds (prepare), started by node without tsx', () => {
    // Assess
    expect(join(ROOT, pkg.bin['backup-pipeline'] ?? '')).toBe(SHIPPED_CLI);
    expect(pkg.scripts.prepare).toBe('node cli/build.js');
    const shipped = readFileSync(SHIPPED_CLI, 'utf8');
    expect(shipped.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(shipped).not.toMatch(/require\(["']tsx/);
  });

  it('answers --help with every command, loading commander and zod but no AWS SDK, command or sandbox module', async () => {
    // Prepare: a preload that lists, at exit, the packages and project modules the process loaded.
    const hook = join(tmpdir(), `loaded-modules-${process.pid}.js`);
    writeFileSync(
      hook,
      `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));`,
    );

    // Act
    const out = await runProcess(process.execPath, ['--require', hook, SHIPPED_CLI, '--help']);

    // Assess
    expect(out.code).toBe(0);
    for (const command of ['local', 'start', 'status', 'runs', 'backups', 'restore', 'report'])
      expect(out.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const loaded = JSON.parse(/LOADED (.*)/.exec(out.stderr)?.[1] ?? '[]') as string[];
    const packages = new Set(loaded.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file));
    expect(packages).toContain('commander');
    expect([...packages].filter((p) => /^@aws-sdk|^@smithy|^dynalite|^aws-local-stepfunctions|^tsx/.test(p))).toEqual(
      [],
    );
  });

  it('runs through npx as the README shows it', async () => {
    // Act
    const out = await runProcess('npx', ['--no-install', 'backup-pipeline', 'runs', '--help']);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Usage: backup-pipeline runs [options]');
  });
});
