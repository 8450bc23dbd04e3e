/**
 * The CLI as the package ships it (issue #13, speed): the `bin` runs JavaScript built by `npm ci`
 * (dist/cli.js, cli/build.js), not TypeScript compiled at every start, and `--help` loads no command
 * module: neither the AWS SDK nor the sandbox. Run as an operator runs it, in child processes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runProcess, SHIPPED_CLI } from '../support/processes';

jest.setTimeout(60_000);

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

describe('the shipped backup-pipeline', () => {
  it('is a bin that runs the JavaScript bundle npm ci builds (prepare), without tsx', () => {
    // Assess
    expect(join(ROOT, pkg.bin['backup-pipeline'] ?? '')).toBe(SHIPPED_CLI);
    expect(pkg.scripts.prepare).toBe('node cli/build.js');
    const bin = readFileSync(SHIPPED_CLI, 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(bin).toContain("join(__dirname, '..', 'dist', 'cli.js')");
    const bundle = readFileSync(join(ROOT, 'dist', 'cli.js'), 'utf8');
    for (const text of [bin, bundle]) expect(text).not.toMatch(/require\(["']tsx/);
  });

  it('answers --help with every command, loading commander and zod but no AWS SDK, command or sandbox module', async () => {
    // Prepare: a preload that lists, at exit, every module the process loaded.
    const hook = join(mkdtempSync(join(tmpdir(), 'bp-help-')), 'loaded.js');
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
    expect(loaded).toContain(join(ROOT, 'dist', 'cli.js'));
    const packages = new Set(loaded.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file));
    expect(packages).toContain('commander');
    expect([...packages].filter((p) => /^@aws-sdk|^@smithy|^dynalite|^aws-local-stepfunctions|^tsx/.test(p))).toEqual(
      [],
    );
  });

  it('prints the released version, the latest in CHANGELOG.md', async () => {
    // Prepare
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const latest = /^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/m.exec(changelog)?.[1];

    // Act
    const out = await runProcess(process.execPath, [SHIPPED_CLI, '--version']);

    // Assess
    expect(latest).toBeDefined();
    expect(pkg.version).toBe(latest);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`${latest}\n`);
  });

  it('runs through npx as the README shows it', async () => {
    // Act
    const out = await runProcess('npx', ['--no-install', 'backup-pipeline', 'runs', '--help']);

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Usage: backup-pipeline runs [options]');
  });

  it('says in one line how to build it when dist/cli.js is missing (installed without scripts)', async () => {
    // Prepare: the bin in a copy of the package that was never built.
    const unbuilt = mkdtempSync(join(tmpdir(), 'bp-unbuilt-'));
    mkdirSync(join(unbuilt, 'cli'));
    copyFileSync(SHIPPED_CLI, join(unbuilt, 'cli', 'backup-pipeline.js'));

    // Act
    const out = await runProcess(process.execPath, [join(unbuilt, 'cli', 'backup-pipeline.js'), '--help']);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'backup-pipeline: the CLI is not built (dist/cli.js is missing): run npm ci or npm run build\n',
    );
  });
});
