/**
 * End to end: the CLI's contract with scripts (docs/cli-json.md). Every `--json` output is one object, the
 * same fact has the same name in every command (`finishedAt`, `ageHours`, `counts`), `start` and `restore`
 * answer `--json` with the execution and how to follow it, conflicting flags are refused before anything is
 * read, and table headers are single words a script can split on.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_TAG } from '../../local/estates/fleet';
import { type Sandbox, startSandbox } from '../../local/sandbox';
import { killStragglers, ROOT, runCli, runProcess } from '../support/processes';

jest.setTimeout(120_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ fleet: { kind: 'none' }, tokenBuckets: false });
  const model = sandbox.model;
  if (!model) throw new Error('expected the emulator');
  model.addDbInstance('eu-west-1', { DBInstanceIdentifier: 'ledger', TagList: [BACKUP_TAG] });
  model.addVolume('eu-west-1', { Size: 10, Tags: [BACKUP_TAG] });
});
afterAll(async () => {
  killStragglers();
  await sandbox.close();
});

const cli = (args: string[]) => runCli(sandbox.env, args);

/** Names that once stood for a fact another command calls otherwise (the left one of each pair is gone). */
const RETIRED = ['stoppedAt', 'hoursSince', 'hoursSinceLastRun', 'lastAt'];

/** Every key of a parsed JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
  return [];
}

/** One JSON object, and nothing else, on stdout; none of the retired names anywhere in it. */
function object(stdout: string): Record<string, unknown> {
  const parsed = JSON.parse(stdout) as unknown;
  expect(parsed).toEqual(expect.any(Object));
  expect(Array.isArray(parsed)).toBe(false);
  for (const name of RETIRED) expect(keysOf(parsed)).not.toContain(name);
  return parsed as Record<string, unknown>;
}

describe('start --json and restore --json', () => {
  it('start --json prints the run id, the execution, its console link and how to follow it, as one object', async () => {
    // Act
    // A tier of its own: the weekly run below must not find this one still running (it would be SKIPPED).
    const out = await cli(['start', '--tier', 'monthly', '--name', 'json-start-1', '--json']);

    // Assess
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const started = object(out.stdout);
    expect(started).toMatchObject({
      runId: 'json-start-1',
      executionArn: expect.stringMatching(/:execution:[^:]+:json-start-1$/),
      consoleUrl: expect.stringContaining('/states/home?region=eu-west-1#/v2/executions/details/'),
      dryRun: false,
      follow: 'backup-pipeline status json-start-1 --json',
    });
  });

  it('start --json --wait prints one object at the end: the run as status --json shows it', async () => {
    // Act
    const out = await cli([
      'start',
      '--tier',
      'weekly',
      '--name',
      'json-start-2',
      '--json',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);
    const status = await cli(['status', 'json-start-2', '--json']);

    // Assess: no progress line, no table; the same names as status --json.
    expect(out.code).toBe(0);
    const ended = object(out.stdout);
    expect(ended).toMatchObject({
      runId: 'json-start-2',
      status: 'SUCCEEDED',
      finishedAt: expect.any(String),
      counts: { total: 2, completed: 2, failed: 0 },
      consoleUrl: expect.any(String),
    });
    const { consoleUrl: _c, follow: _f, ...run } = ended;
    expect(run).toEqual(object(status.stdout));
  });

  it('restore --json prints the restore id, the execution and how to follow it; with --wait the outcome', async () => {
    // Act
    const started = await cli(['restore', '--resource', 'ledger', '--latest', '--id', 'json-restore-1', '--json']);
    const waited = await cli([
      'restore',
      '--resource',
      'ledger',
      '--latest',
      '--name',
      'ledger-json',
      '--id',
      'json-restore-2',
      '--json',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    const drill = await cli([
      'restore',
      '--resource',
      'ledger',
      '--latest',
      '--drill',
      '--id',
      'json-drill-1',
      '--json',
      '--wait',
      '--poll-seconds',
      '0.1',
    ]);

    // Assess
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(object(started.stdout)).toMatchObject({
      restoreId: 'json-restore-1',
      executionArn: expect.stringMatching(/:execution:[^:]+:json-restore-1$/),
      consoleUrl: expect.any(String),
      drill: false,
      follow: expect.stringContaining('json-restore-1'),
    });
    expect(waited.code).toBe(0);
    const ended = object(waited.stdout);
    expect(ended).toMatchObject({
      restoreId: 'json-restore-2',
      status: 'SUCCEEDED',
      succeeded: true,
      restores: [
        expect.objectContaining({
          restoreId: 'json-restore-2',
          status: 'AVAILABLE',
          outcome: 'passed',
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
        }),
      ],
    });
    expect(drill.code).toBe(0);
    expect(object(drill.stdout)).toMatchObject({ restoreId: 'json-drill-1', drill: true, succeeded: true });
  });
});

describe('every --json output is an object with the same names for the same facts', () => {
  it('runs, status, status <run>, --rpo and --rto: objects; finishedAt and ageHours wherever they apply', async () => {
    // Prepare: json-start-2 above finished.

    // Act
    const runs = object((await cli(['runs', '--json'])).stdout);
    const overview = object((await cli(['status', '--json'])).stdout);
    const rpo = object((await cli(['status', '--rpo', '--json'])).stdout);
    const rto = object((await cli(['status', '--rto', '--json'])).stdout);
    object((await cli(['status', 'json-start-2', '--json'])).stdout);

    // Assess
    const listed = (runs.runs as { runId: string; finishedAt?: string }[]).find((r) => r.runId === 'json-start-2');
    expect(listed?.finishedAt).toEqual(expect.any(String));
    expect(overview.runs).toEqual((runs.runs as unknown[]).slice(0, (overview.runs as unknown[]).length));
    const weekly = (rpo.tiers as Record<string, unknown>[]).find((t) => t.tier === 'weekly');
    expect(weekly).toMatchObject({ ageHours: expect.any(Number), lastRunAgeHours: expect.any(Number) });
    for (const r of rpo.resources as Record<string, unknown>[]) expect(r.ageHours).toEqual(expect.any(Number));
    expect(rto.drills).toEqual([
      expect.objectContaining({ type: 'rds-instance', lastDrillAt: expect.any(String), lastPassed: true }),
    ]);
    const restores = rto.restores as Record<string, unknown>[];
    expect(restores.length).toBeGreaterThan(0);
    for (const r of restores) expect(r).toHaveProperty('outcome');
  });

  it('npm start --report writes the counts and finishedAt, as status --json names them', async () => {
    // Prepare
    const report = join(mkdtempSync(join(tmpdir(), 'bp-json-')), 'report.json');

    // Act
    const out = await runProcess(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        'cli/index.ts',
        'local',
        '--fleet',
        '2:60-120',
        '--copy-to',
        'none',
        '--time-scale',
        '0',
        '--quiet',
        '--report',
        report,
      ],
      { env: { ...process.env, AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_DYNAMODB: '', POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );

    // Assess
    expect(out.code).toBe(0);
    const written = object(readFileSync(report, 'utf8'));
    expect(written).toMatchObject({
      runId: expect.stringMatching(/^daily-local-/),
      tier: 'daily',
      status: 'SUCCEEDED',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      counts: { total: 2, completed: 2, failed: 0, skipped: 0 },
    });
  });
});

describe('conflicting flags are refused', () => {
  it.each([
    [['status', '--rpo', '--rto'], /--rpo.*--rto|--rto.*--rpo/],
    [['status', 'json-start-2', '--rpo'], /--rpo/],
    [['status', 'json-start-2', '--rto'], /--rto/],
    [['status', '--retention'], /--retention.*run/],
    [['status', '--runs', '3'], /--runs.*--rpo/],
  ])('%p exits 2 with a message, before reading anything', async (args, message) => {
    const out = await cli(args);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });
});

describe('column headers', () => {
  /** The header's column names: each one word (letters, `_`, `-`), as a script splitting on spaces reads it. */
  const headerOf = (stdout: string, first: string) => {
    const header = stdout.split('\n').find((line) => line.startsWith(first)) ?? '';
    const names = header.trim().split(/\s+/);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Z_-]*$/);
    return names;
  };

  it('contain no spaces: runs, status --rpo, status --rto, backups', async () => {
    expect(headerOf((await cli(['runs'])).stdout, 'RUN')).toEqual([
      'RUN',
      'TIER',
      'STATUS',
      'STARTED',
      'OK',
      'FAILED',
      'COPY_FAILED',
      'SKIPPED',
    ]);
    const rpo = (await cli(['status', '--rpo'])).stdout;
    expect(headerOf(rpo, 'TIER')).toEqual(['TIER', 'LAST_RUN', 'LAST_SUCCESS', 'AGE', 'RPO']);
    expect(headerOf(rpo, 'RESOURCE')).toEqual(['RESOURCE', 'TIER', 'LAST_GOOD_BACKUP', 'AGE', 'RPO']);
    const rto = (await cli(['status', '--rto'])).stdout;
    expect(headerOf(rto, 'TYPE')).toEqual([
      'TYPE',
      'MODE',
      'LAST_DRILL',
      'RESULT',
      'RECOVERY',
      'LAST_PASSED',
      'RECOVERY',
      'DRILLS',
    ]);
    expect(headerOf((await cli(['backups', 'ledger'])).stdout, 'TIME_UTC')).toContain('BACKUP');
  });
});
