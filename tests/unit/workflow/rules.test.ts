/**
 * The pure rules: execution input validation, error mapping, progress-aware polling, retention
 * decisions, the run summary and the notification text.
 */
import { parsePipelineConfig } from '../../../shared/config';
import {
  InvalidInputError,
  LimitExceededError,
  QuotaExceededError,
  ResourceNotFoundError,
  ThrottledError,
  toPipelineError,
} from '../../../shared/errors';
import type { OwnedBackup } from '../../../shared/services/driver';
import type { ResourceRecord, RunRecord } from '../../../shared/state/store';
import { resourceFreshness, tierFreshness } from '../../../shared/workflow/freshness';
import { validateExecutionInput } from '../../../shared/workflow/input';
import { buildNotification } from '../../../shared/workflow/notification';
import { nextWaitSeconds } from '../../../shared/workflow/polling';
import { decideRetention } from '../../../shared/workflow/retention-rules';
import { summarize } from '../../../shared/workflow/summary';

const config = parsePipelineConfig({});
const context = { tiers: config.tiers, defaultTier: config.defaultTier, defaultTargetTags: config.defaultTargetTags };

describe('validateExecutionInput', () => {
  it('fills the defaults for an empty input: default tier, default tags, tier retention', () => {
    expect(validateExecutionInput({}, context)).toEqual({
      tier: 'daily',
      tags: { backup: 'true' },
      resources: [],
      copyTo: [],
      dryRun: false,
      reason: undefined,
      retentionDays: 7,
    });
  });

  it('uses only the explicit ARNs when resources are named, and the override retention', () => {
    const input = validateExecutionInput(
      { tier: 'monthly', targets: { resources: ['arn:aws:rds:eu-west-1:111122223333:db:orders'] }, retentionDays: 30 },
      context,
    );
    expect(input).toMatchObject({
      tier: 'monthly',
      tags: undefined,
      retentionDays: 30,
      resources: [{ type: 'rds-instance', id: 'orders', region: 'eu-west-1' }],
    });
  });

  it('names every bad field in one InvalidInputError', () => {
    const bad = {
      tier: 'hourly',
      targets: { tags: {}, resources: ['arn:aws:lambda:eu-west-1:111122223333:function:f', 'nope', 42] },
      retentionDays: 99999,
      copyTo: [{ region: 'us-west-2' }, { region: 'us-west-2' }],
      dryRun: 'yes',
      extra: 1,
    };
    let error: unknown;
    try {
      validateExecutionInput(bad, context);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const fields = (error as InvalidInputError).fields;
    for (const field of [
      'tier',
      'targets.resources.0',
      'targets.resources.1',
      'targets.resources.2',
      'retentionDays',
      'copyTo.1.region',
      'dryRun',
      'extra',
    ]) {
      expect(fields).toContain(field);
    }
    expect((error as Error).message).toContain('unsupported resource type "lambda:function"');
  });

  it.each([[[]], ['daily'], [null], [7]])('rejects a non-object input %p', (raw) => {
    expect(() => validateExecutionInput(raw, context)).toThrow('(input): expected a JSON object');
  });

  it('rejects negative, fractional and absurd retention', () => {
    for (const retentionDays of [-1, 0, 1.5, 100000]) {
      expect(() => validateExecutionInput({ retentionDays }, context)).toThrow('retentionDays');
    }
  });

  it('rejects duplicate ARNs', () => {
    const arn = 'arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0';
    expect(() => validateExecutionInput({ targets: { resources: [arn, arn] } }, context)).toThrow(
      `targets.resources.1: duplicate of ${arn}`,
    );
  });
});

describe('toPipelineError', () => {
  it.each([
    ['Throttling', ThrottledError],
    ['RequestLimitExceeded', ThrottledError],
    ['ResourceLimitExceeded', LimitExceededError],
    ['SnapshotQuotaExceeded', QuotaExceededError],
    ['InvalidSnapshot.NotFound', ResourceNotFoundError],
  ])('maps %s to %p and keeps the cause', (name, type) => {
    const cause = Object.assign(new Error('x'), { name });
    const mapped = toPipelineError(cause, 'ctx');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.name).toBe((type as { name: string }).name);
    expect(mapped.cause).toBe(cause);
  });

  it('passes unknown errors through unchanged', () => {
    const error = new TypeError('bug');
    expect(toPipelineError(error, 'ctx')).toBe(error);
  });
});

describe('nextWaitSeconds', () => {
  const polling = { minWaitSeconds: 60, maxWaitSeconds: 21_600 };
  const far = { secondsToDeadline: 1e9 };

  it('backs off geometrically when AWS reports no progress yet, from the minimum', () => {
    expect(nextWaitSeconds({ progress: undefined, elapsedSeconds: 0, ...far }, polling)).toBe(60);
    expect(nextWaitSeconds({ progress: 0, elapsedSeconds: 600, ...far }, polling)).toBe(600);
  });

  it('waits for most of the extrapolated remaining time while the end is far', () => {
    // 25% after 1 h: 3 h remain; wait 80% of that.
    expect(nextWaitSeconds({ progress: 25, elapsedSeconds: 3600, ...far }, polling)).toBe(8640);
  });

  it('switches to short waits (8% of elapsed) when the end is near, bounding detection latency', () => {
    // 95% after 10 h: ~32 min remain, under 15% of elapsed.
    expect(nextWaitSeconds({ progress: 95, elapsedSeconds: 36_000, ...far }, polling)).toBe(2880);
  });

  it('clamps to [min, max] and never waits past the deadline', () => {
    expect(nextWaitSeconds({ progress: 1, elapsedSeconds: 36_000, ...far }, polling)).toBe(21_600);
    expect(nextWaitSeconds({ progress: 99, elapsedSeconds: 100, ...far }, polling)).toBe(60);
    expect(nextWaitSeconds({ progress: 10, elapsedSeconds: 3600, secondsToDeadline: 500 }, polling)).toBe(501);
  });
});

describe('decideRetention', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const day = 86_400_000;
  const backup = (id: string, ageDays: number, extra: Partial<OwnedBackup> = {}): OwnedBackup => ({
    kind: 'ebs-snapshot',
    id,
    region: 'eu-west-1',
    source: 'arn:src',
    tier: 'daily',
    runId: `run-${id}`,
    managedBy: 'BackupPipeline',
    createdAt: new Date(now.getTime() - ageDays * day),
    expiresAt: new Date(now.getTime() - (ageDays - 7) * day),
    complete: true,
    heldBy: [],
    ...extra,
  });
  const decide = (backups: OwnedBackup[], keepLast = 0) =>
    Object.fromEntries(
      decideRetention(backups, {
        stackName: 'BackupPipeline',
        tiers: { daily: { schedule: null, retentionDays: 7, keepLast } },
        now,
      }).map((d) => [d.backup.id, `${d.action}: ${d.rule}`]),
    );

  it('deletes expired backups of ours and keeps the newest of each source', () => {
    const out = decide([backup('new', 1), backup('old', 10), backup('older', 20)]);
    expect(out.new).toMatch(/^keep: not expired/);
    expect(out.old).toMatch(/^delete: expired at/);
    expect(out.older).toMatch(/^delete: expired at/);
  });

  it('never deletes a foreign, in-progress, AMI-held or unreadably tagged backup', () => {
    const out = decide([
      backup('newest', 1),
      backup('foreign', 30, { managedBy: 'Other' }),
      backup('running', 30, { complete: false }),
      backup('ami', 30, { heldBy: ['ami-1'] }),
      backup('untagged', 30, { expiresAt: undefined }),
    ]);
    expect(out.foreign).toBeUndefined();
    expect(out.running).toMatch(/^keep: in progress/);
    expect(out.ami).toBe('keep: used by AMI ami-1');
    expect(out.untagged).toMatch(/^keep: no readable expires-at/);
  });

  it('keeps the newest N per source and tier with keep-last-N, even when expired', () => {
    const out = decide([backup('a', 10), backup('b', 11), backup('c', 12)], 2);
    expect(out.a).toMatch(/^keep: keep-last-2/);
    expect(out.b).toMatch(/^keep: keep-last-2/);
    expect(out.c).toMatch(/^delete/);
  });

  it('keeps the newest finished backup of a source even when every backup has expired', () => {
    const out = decide([backup('x', 30), backup('y', 40)]);
    expect(out.x).toBe('keep: newest finished backup of its source: always kept');
    expect(out.y).toMatch(/^delete/);
  });
});

describe('summary and notification', () => {
  const base = { runId: 'r', type: 'ebs-volume' as const, region: 'eu-west-1', queuedAt: '2026-01-01T00:00:00Z' };
  const records: ResourceRecord[] = [
    { ...base, arn: 'arn:a', resourceId: 'a', status: 'COMPLETED', backupIds: ['snap-a'] },
    {
      ...base,
      arn: 'arn:b',
      resourceId: 'b',
      status: 'FAILED',
      backupIds: ['snap-b'],
      error: { error: 'BackupFailed', cause: 'snap-b error: internal' },
    },
    { ...base, arn: 'arn:c', resourceId: 'c', status: 'CREATING' },
    { ...base, arn: 'arn:d', resourceId: 'd', status: 'SKIPPED', note: 'included in the backup of arn:i' },
  ];
  const run: RunRecord = {
    runId: 'r',
    tier: 'daily',
    executionArn: 'arn:aws:states:eu-west-1:1:execution:m:r',
    startedAt: '2026-01-01T00:00:00Z',
    status: 'RUNNING',
    dryRun: false,
    expiresAt: 'x',
    input: {},
  };

  it('counts anything unfinished as failed, so nothing hides among successes', () => {
    const summary = summarize(records);
    expect(summary).toMatchObject({ status: 'FAILED', total: 4, completed: 1, failed: 2, skipped: 1, unfinished: 1 });
    expect(summary.cause).toMatch(
      /^2 of 4 backups failed \(1 completed, 1 skipped\): arn:b \(BackupFailed: snap-b error: internal\); arn:c \(Unfinished/,
    );
  });

  it('writes a triage subject and names each failure with its phase and reason, and the console link', () => {
    const n = buildNotification(run, records);
    expect(n.subject).toBe('backup-pipeline daily: 1/3 ok, 2 failed');
    expect(n.message).toContain('arn:b [ebs-volume] during snapshot: BackupFailed: snap-b error: internal');
    expect(n.message).toContain('arn:c [ebs-volume] during start: Unfinished');
    expect(n.message).toContain('arn:d: included in the backup of arn:i');
    expect(n.message).toContain(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states',
    );
    expect(n.mustSend).toBe(true);
  });

  it('says what retention deleted, or that it did not complete', () => {
    const withRetention = {
      ...run,
      retention: { dryRun: false, deleted: 2, kept: 5, failedDeletes: 0, deletedIds: ['snap-old-1', 'snap-old-2'] },
    };
    expect(buildNotification(withRetention, records).message).toContain(
      'Retention: deleted 2, kept 5.\n  - snap-old-1\n  - snap-old-2',
    );
    expect(buildNotification(run, records).message).toContain('Retention: did not complete in this run');
  });

  it('says per region how many backups were copied, and which were not copied or failed, with the reason', () => {
    // Prepare
    const copy = (region: string, status: 'COMPLETED' | 'SKIPPED' | 'FAILED', reason: string | null = null) => ({
      region,
      ids: status === 'SKIPPED' ? [] : ['id'],
      status,
      reason,
    });
    const withCopies = [
      {
        ...(records[0] as ResourceRecord),
        copies: [copy('us-west-2', 'COMPLETED'), copy('eu-central-1', 'COMPLETED')],
      },
      {
        ...(records[0] as ResourceRecord),
        arn: 'arn:t',
        copies: [copy('us-west-2', 'SKIPPED', 'dynamodb-table backups are not copied across regions')],
      },
      { ...(records[1] as ResourceRecord), copies: [copy('eu-central-1', 'FAILED', 'snap-c error')] },
    ];

    // Act
    const { message } = buildNotification(run, withCopies);

    // Assess
    expect(message).toContain(
      [
        'Copies:',
        '  - eu-central-1: 1 copied, 1 failed',
        '      arn:b: failed: snap-c error',
        '  - us-west-2: 1 copied, 1 not copied',
        '      arn:t: not copied: dynamodb-table backups are not copied across regions',
      ].join('\n'),
    );
  });

  it('does not insist on sending when everything succeeded', () => {
    expect(buildNotification(run, [records[0] as ResourceRecord]).mustSend).toBe(false);
  });
});

describe('freshness', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  const tiers = parsePipelineConfig({}).tiers;
  const run = (
    runId: string,
    tier: string,
    status: 'SUCCEEDED' | 'FAILED',
    finishedAt: string,
    dryRun = false,
  ): RunRecord => ({
    runId,
    tier,
    status,
    finishedAt,
    startedAt: finishedAt,
    dryRun,
    executionArn: 'x',
    expiresAt: 'x',
    input: {},
  });

  it('reports hours since each tier last succeeded and flags a breached RPO (dry runs and failures do not count)', () => {
    const out = tierFreshness(
      [
        run('a', 'daily', 'SUCCEEDED', '2026-03-09T02:30:00Z'),
        run('b', 'daily', 'FAILED', '2026-03-10T02:30:00Z'),
        run('c', 'weekly', 'SUCCEEDED', '2026-03-10T01:00:00Z', true),
      ],
      tiers,
      now,
    );
    expect(out.find((t) => t.tier === 'daily')).toMatchObject({ hoursSince: 33.5, rpoHours: 30, breached: true });
    expect(out.find((t) => t.tier === 'weekly')).toMatchObject({ lastSuccessAt: undefined, breached: true });
  });

  it('ages each protected resource by its newest completed backup per tier', () => {
    const base = { type: 'ebs-volume' as const, region: 'eu-west-1', resourceId: 'v', queuedAt: 'x' };
    const out = resourceFreshness(
      [
        {
          run: run('a', 'daily', 'SUCCEEDED', '2026-03-10T03:00:00Z'),
          resources: [{ ...base, runId: 'a', arn: 'arn:v', status: 'COMPLETED', finishedAt: '2026-03-10T03:00:00Z' }],
        },
        {
          run: run('b', 'daily', 'FAILED', '2026-03-08T03:00:00Z'),
          resources: [
            { ...base, runId: 'b', arn: 'arn:w', status: 'COMPLETED', finishedAt: '2026-03-08T03:00:00Z' },
            { ...base, runId: 'b', arn: 'arn:v', status: 'FAILED' },
          ],
        },
      ],
      tiers,
      now,
    );
    expect(out.map((r) => [r.arn, r.ageHours, r.breached])).toEqual([
      ['arn:w', 57, true],
      ['arn:v', 9, false],
    ]);
  });
});
