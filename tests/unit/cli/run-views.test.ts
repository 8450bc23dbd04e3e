/**
 * cli/commands/run-views.ts: the retention part of `backup-pipeline status` (a dry run's, or with
 * --retention any run's, delete/keep decision for every backup and the rule behind it, as text and
 * JSON), and the copies column of the resource table.
 */
import {
  copiesCell,
  countsLine,
  resourceTable,
  retentionJson,
  retentionView,
  runOutcome,
  runsTable,
  showsRetention,
  skippedView,
} from '../../../cli/commands/run-views';
import type { RecordedRetentionDecision, ResourceRecord, RunRecord } from '../../../shared/state/records';
import { COPY_FAILED_MEANING } from '../../../shared/workflow/backup/outcome';
import { nextStep } from '../../../shared/workflow/notify/runbook';
import { runRecord } from '../../support/unit-fixtures';

const VOLUME = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
const DB = 'arn:aws:rds:eu-west-1:111122223333:db:orders';

const decision = (
  id: string,
  action: 'delete' | 'keep',
  ruleId: string,
  rule: string,
  extra: Partial<RecordedRetentionDecision> = {},
): RecordedRetentionDecision => ({
  id,
  kind: 'ebs-snapshot',
  region: 'eu-west-1',
  action,
  ruleId,
  rule,
  tier: 'daily',
  source: VOLUME,
  createdAt: '2026-03-01T02:00:00.000Z',
  ...extra,
});

/** A dry run that would delete one backup of each source and keeps three for three different rules. */
function dryRun(): RunRecord {
  return {
    ...runRecord('dry-1'),
    dryRun: true,
    retention: { dryRun: true, deleted: 2, kept: 3, failedDeletes: 0, deletedIds: ['snap-old', 'bp-old-orders'] },
    retentionDecisions: [
      decision('snap-new', 'keep', 'not-expired', 'not expired (expires 2026-03-08T02:00:00.000Z)'),
      decision('snap-mid', 'keep', 'keep-last', 'keep-last-2 for tier daily (newest #2)', {
        createdAt: '2026-02-20T02:00:00.000Z',
      }),
      decision('snap-old', 'delete', 'expired', 'expired at 2026-02-17T02:00:00.000Z', {
        createdAt: '2026-02-10T02:00:00.000Z',
      }),
      decision('bp-old-orders', 'delete', 'expired', 'expired at 2026-02-18T02:00:00.000Z', {
        kind: 'rds-snapshot',
        source: DB,
        createdAt: '2026-02-11T02:00:00.000Z',
      }),
      decision('bp-new-orders', 'keep', 'newest-of-source', 'newest finished backup of its source: always kept', {
        kind: 'rds-snapshot',
        source: DB,
        tier: 'weekly',
      }),
    ],
  };
}

describe('runOutcome', () => {
  it.each([
    ['SUCCEEDED', { status: 'FAILED', error: 'NotificationFailed' }, 'FAILED'],
    ['RUNNING', { status: 'TIMED_OUT' }, 'TIMED_OUT'],
    ['RUNNING', { status: 'ABORTED' }, 'ABORTED'],
    ['SUCCEEDED', { status: 'SUCCEEDED' }, 'SUCCEEDED'],
    ['RUNNING', { status: 'RUNNING' }, 'RUNNING'],
    ['FAILED', undefined, 'FAILED'],
    ['SUCCEEDED', undefined, 'SUCCEEDED'],
  ] as const)('a run recorded %s whose execution is %j reads %s', (recorded, execution, expected) => {
    expect(runOutcome(runRecord('r', { status: recorded }), execution)).toBe(expected);
  });
});

describe('showsRetention', () => {
  it('shows the decisions of a dry run unasked, and of any other run only with --retention', () => {
    expect(showsRetention(dryRun(), false)).toBe(true);
    expect(showsRetention({ ...dryRun(), dryRun: false }, false)).toBe(false);
    expect(showsRetention({ ...dryRun(), dryRun: false }, true)).toBe(true);
  });
});

describe('retentionView', () => {
  it('lists the deletes first, then per source and tier newest first, each with its rule', () => {
    // Act
    const lines = retentionView(dryRun()).split('\n');

    // Assess
    expect(lines[0]).toBe('Retention (dry run, nothing deleted): would delete 2, keep 3');
    expect(lines[1]).toMatch(/^ACTION +BACKUP +KIND +TIER +SOURCE +CREATED +RULE$/);
    const rows = lines.slice(2).map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(rows).toEqual([
      'delete snap-old',
      'delete bp-old-orders',
      'keep snap-new',
      'keep snap-mid',
      'keep bp-new-orders',
    ]);
    expect(lines[2]).toMatch(
      /^delete +snap-old +ebs-snapshot +daily +vol-0123456789abcdef0 +2026-02-10 02:00 +expired at/,
    );
    expect(lines.find((l) => l.includes('bp-new-orders'))).toMatch(
      / orders +2026-03-01 02:00 +newest finished backup of its source: always kept$/,
    );
    expect(lines.find((l) => l.includes('snap-mid'))).toMatch(/keep-last-2 for tier daily \(newest #2\)$/);
  });

  it('says what a real run deleted, and how many deletes failed', () => {
    const run: RunRecord = {
      ...dryRun(),
      dryRun: false,
      retention: { dryRun: false, deleted: 2, kept: 3, failedDeletes: 1, deletedIds: [] },
    };
    expect(retentionView(run).split('\n')[0]).toBe('Retention: deleted 2, kept 3, 1 failed to delete');
  });

  it('says when the record holds fewer decisions than the run made', () => {
    const run: RunRecord = {
      ...dryRun(),
      retention: { dryRun: true, deleted: 2, kept: 998, failedDeletes: 0, deletedIds: [] },
    };
    expect(retentionView(run).split('\n').at(-1)).toBe(
      '(5 of 1000 decisions recorded: the run keeps at most that many, deletes first)',
    );
  });

  it('says when retention has not run', () => {
    const { retention: _r, retentionDecisions: _d, ...running } = dryRun();
    expect(retentionView(running)).toBe('Retention: not applied (the run did not reach it, or is still running)');
  });

  it('shows a record written before decisions carried tier, source and creation time with dashes', () => {
    const run: RunRecord = {
      ...dryRun(),
      retentionDecisions: [{ id: 'snap-x', kind: 'ebs-snapshot', region: 'eu-west-1', action: 'keep', rule: 'r' }],
    };
    expect(retentionView(run).split('\n')[2]).toMatch(/^keep +snap-x +ebs-snapshot +- +- +- +r$/);
  });
});

describe('retentionJson', () => {
  it('gives the summary and every decision with its rule code, in review order', () => {
    // Act
    const json = retentionJson(dryRun());

    // Assess
    expect(json.retention).toEqual(dryRun().retention);
    expect(json.retentionDecisions.map((d) => `${d.action}:${d.id}:${d.ruleId}`)).toEqual([
      'delete:snap-old:expired',
      'delete:bp-old-orders:expired',
      'keep:snap-new:not-expired',
      'keep:snap-mid:keep-last',
      'keep:bp-new-orders:newest-of-source',
    ]);
    expect(json.retentionDecisions[0]).toEqual({
      action: 'delete',
      id: 'snap-old',
      kind: 'ebs-snapshot',
      region: 'eu-west-1',
      tier: 'daily',
      source: VOLUME,
      createdAt: '2026-02-10T02:00:00.000Z',
      ruleId: 'expired',
      rule: 'expired at 2026-02-17T02:00:00.000Z',
    });
  });

  it('gives null and an empty list for a run retention has not reached', () => {
    const { retention: _r, retentionDecisions: _d, ...running } = dryRun();
    expect(retentionJson(running)).toEqual({ retention: null, retentionDecisions: [] });
  });
});

describe('copiesCell and the resource table', () => {
  const record = (copies?: ResourceRecord['copies']): ResourceRecord => ({
    runId: 'r',
    arn: 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-1',
    type: 'ebs-volume',
    region: 'eu-west-1',
    resourceId: 'vol-1',
    status: 'COMPLETED',
    queuedAt: '2026-01-05T02:00:00.000Z',
    ...(copies ? { copies } : {}),
  });
  const copy = (region: string, status: 'COPYING' | 'COMPLETED' | 'FAILED' | 'SKIPPED') => ({
    region,
    ids: [],
    status,
    reason: null,
  });

  it.each<[ResourceRecord['copies'], string]>([
    [undefined, '-'],
    [[copy('us-west-2', 'COMPLETED'), copy('eu-central-1', 'COMPLETED')], '2/2'],
    [[copy('us-west-2', 'COMPLETED'), copy('eu-central-1', 'FAILED')], '1/2!'],
    [[copy('us-west-2', 'SKIPPED')], '0/1-'],
    [[copy('us-west-2', 'COPYING')], '0/1'],
  ])('shows %j as %s', (copies, cell) => {
    expect(copiesCell(record(copies))).toBe(cell);
  });

  it('adds a COPIES column to the table', () => {
    const [header, row] = resourceTable([record([copy('us-west-2', 'COMPLETED')])]).split('\n');
    expect(header).toMatch(/POLLS\s+TOOK\s+COPIES$/);
    expect(row).toMatch(/\s1\/1$/);
  });

  const rds: ResourceRecord = {
    ...record(),
    arn: DB,
    type: 'rds-instance',
    resourceId: 'orders',
    backupIds: ['bp-daily-20260105t020000z-afc112bc-orders-and-invoices'],
  };

  it('cuts a long backup id from the middle, so the database name at its end stays readable', () => {
    const [, row] = resourceTable([rds]).split('\n');
    expect(row).toMatch(/ bp-daily-20260105t02…orders-and-invoices /);
  });

  it("shows the run's expiry beside each backup made, and a dash where none was made", () => {
    const failed: ResourceRecord = { ...record(), resourceId: 'vol-2', arn: `${VOLUME}2`, status: 'FAILED' };
    const lines = resourceTable([rds, failed], { expiresAt: '2026-01-12T02:00:00.000Z' }).split('\n');
    expect(lines[0]).toMatch(/BACKUP\s+EXPIRES\s+POLLS/);
    expect(lines.find((l) => l.startsWith('orders'))).toContain(' 2026-01-12 02:00 ');
    expect(lines.find((l) => l.startsWith('vol-2'))).toMatch(/FAILED\s+-\s+-\s+0/);
  });

  it("puts each copy's region and id under its resource, and explains the COPIES column under the table", () => {
    const copied: ResourceRecord = {
      ...rds,
      copies: [
        { region: 'us-west-2', ids: ['bp-copy-orders'], status: 'COMPLETED', reason: null },
        { region: 'eu-central-1', ids: [], status: 'SKIPPED', reason: "the source's own region" },
      ],
    };
    const out = resourceTable([copied]);
    const lines = out.split('\n');
    expect(lines[2]).toMatch(/^ +↳ copy us-west-2: bp-copy-orders \(COMPLETED\)$/);
    expect(lines[3]).toMatch(/^ +↳ copy eu-central-1: - \(SKIPPED: the source's own region\)$/);
    // The legend names every mark copiesCell prints.
    for (const mark of ['1/1', '0/1!', '0/1-', '0/1 still copying', '- no copy asked'])
      expect(out.slice(out.indexOf('COPIES:'))).toContain(mark);
    // A run with no copy asked has no legend to read.
    expect(resourceTable([rds])).not.toContain('COPIES:');
  });

  it('shows a backup that completed whose copy failed as COPY FAILED, not FAILED, with its next step', () => {
    const copyFailed: ResourceRecord = {
      ...rds,
      status: 'FAILED',
      error: { error: 'BackupFailed', cause: 'copy to us-west-2: snapshot failed' },
      copies: [{ region: 'us-west-2', ids: ['bp-copy'], status: 'FAILED', reason: 'snapshot failed' }],
    };
    const out = resourceTable([copyFailed], { expiresAt: '2026-01-12T02:00:00.000Z' });
    const row = out.split('\n')[1] ?? '';
    expect(row).toMatch(/^orders +rds-instance +eu-west-1 +COPY FAILED +bp-daily.* 2026-01-12 02:00 .* 0\/1!$/);
    expect(out).toContain(COPY_FAILED_MEANING);
    expect(out).toContain(
      `Failures:\n  ✗ orders (backed up, copy failed): BackupFailed: copy to us-west-2: snapshot failed\n      next: ${nextStep('BackupFailed', '', true, copyFailed)}`,
    );
    expect(countsLine([copyFailed, record()])).toBe(
      '1 completed, 1 backed up but not copied (COPY FAILED), 0 failed, 0 skipped, of 2 resources',
    );
  });

  it('lists each failed backup once with the runbook step for its error, and not at all when asked not to', () => {
    const failed: ResourceRecord = {
      ...rds,
      status: 'FAILED',
      backupIds: [],
      error: { error: 'QuotaExceededError', cause: 'SnapshotQuotaExceeded: 100 snapshots' },
    };
    const out = resourceTable([failed]);
    expect(out.match(/✗ orders/g)).toHaveLength(1);
    expect(out).toContain(`      next: ${nextStep('QuotaExceededError')}`);
    expect(resourceTable([failed], { failures: false })).not.toContain('Failures:');
  });
});

describe('a skipped start in status and runs', () => {
  const holder = {
    runId: 'daily-20260104-0200',
    executionArn: 'arn:aws:states:eu-west-1:111122223333:execution:BackupPipeline-backup:daily-20260104-0200',
    startedAt: '2026-01-04T02:00:00.000Z',
  };
  const skipped = runRecord('daily-20260105-0200', {
    status: 'SKIPPED',
    skippedFor: holder,
    finishedAt: '2026-01-05T02:00:01.000Z',
    counts: { total: 0, completed: 0, failed: 0, skipped: 0, unfinished: 0 },
  });

  it('status says the run was skipped, for which run still running and since when', () => {
    // Act
    const view = skippedView(skipped);

    // Assess
    expect(view).toBe(
      'daily run daily-20260105-0200 skipped: run daily-20260104-0200 still running since 2026-01-04T02:00:00.000Z: nothing was backed up by this start (runs of a tier never overlap).\n' +
        `  still running: ${holder.executionArn}`,
    );
    expect(skippedView(runRecord('r', { status: 'SUCCEEDED' }))).toBeUndefined();
  });

  it('runs lists it as SKIPPED, naming the run it yielded to instead of counts', () => {
    // Act
    const [, skippedRow, finishedRow] = runsTable([
      skipped,
      runRecord('daily-20260104-0200', {
        status: 'SUCCEEDED',
        counts: { total: 3, completed: 3, failed: 0, skipped: 0, unfinished: 0 },
      }),
    ]).split('\n');

    // Assess
    expect(skippedRow).toMatch(
      /^daily-20260105-0200\s+daily\s+SKIPPED\s+2026-01-05 02:00:00\s+daily-20260104-0200 still running$/,
    );
    expect(finishedRow).toMatch(/SUCCEEDED\s+2026-01-05 02:00:00\s+3\s+0\s+-\s+0$/);
  });
});
