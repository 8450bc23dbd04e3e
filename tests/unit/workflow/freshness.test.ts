/**
 * shared/workflow/freshness/freshness.ts: how long since each tier last succeeded, which resources a tier protects
 * (its recovery window) and how old each one's newest good backup is, against the tier's RPO (the
 * scheduled check and `status --rpo`).
 */
import { parsePipelineConfig } from '../../../shared/config';
import type { RunRecord } from '../../../shared/state/records';
import type { ResourceAttempt } from '../../../shared/state/store';
import {
  recoveryWindow,
  resourceFreshness,
  tierFreshness,
  tierRecovery,
  worstFirst,
} from '../../../shared/workflow/freshness/freshness';

const NOW = new Date('2026-03-10T12:00:00Z');
const tiers = parsePipelineConfig({}).tiers;

/** A finished run of `tier` (its start and finish at `finishedAt`). */
const run = (
  runId: string,
  tier: string,
  status: 'SUCCEEDED' | 'FAILED' | 'SKIPPED',
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

describe('tierFreshness', () => {
  /** A daily success, a newer daily failure, a weekly dry run. */
  const finished = [
    run('a', 'daily', 'SUCCEEDED', '2026-03-09T02:30:00Z'),
    run('b', 'daily', 'FAILED', '2026-03-10T02:30:00Z'),
    run('c', 'weekly', 'SUCCEEDED', '2026-03-10T01:00:00Z', true),
  ];

  it('reports hours since each tier last succeeded and flags a breached RPO (dry runs and failures do not count)', () => {
    // Act
    const out = tierFreshness(finished, tiers, NOW);

    // Assess
    expect(out.find((t) => t.tier === 'daily')).toMatchObject({ hoursSince: 33.5, rpoHours: 30, breached: true });
    expect(out.find((t) => t.tier === 'weekly')).toMatchObject({ lastSuccessAt: undefined, breached: true });
  });

  it('reports hours since each tier last ran whatever the outcome (dry runs aside), from the deploy before the first', () => {
    // Act
    const out = tierFreshness(finished, tiers, NOW, '2026-03-10T00:00:00Z');

    // Assess
    expect(out.find((t) => t.tier === 'daily')).toMatchObject({
      lastRunAt: '2026-03-10T02:30:00Z',
      hoursSinceLastRun: 9.5,
    });
    expect(out.find((t) => t.tier === 'weekly')).toMatchObject({ lastRunAt: undefined, hoursSinceLastRun: 12 });
  });

  it('does not count a skipped start (another run of the tier still ran) as a run that happened', () => {
    // Prepare: the daily run of 02:30 was skipped while the run of the day before still ran.
    const runs = [
      run('a', 'daily', 'SUCCEEDED', '2026-03-09T02:30:00Z'),
      run('skipped', 'daily', 'SKIPPED', '2026-03-10T02:30:00Z'),
    ];

    // Act
    const out = tierFreshness(runs, tiers, NOW);

    // Assess
    expect(out.find((t) => t.tier === 'daily')).toMatchObject({
      lastRunAt: '2026-03-09T02:30:00Z',
      hoursSinceLastRun: 33.5,
      hoursSince: 33.5,
    });
  });
});

describe('recoveryWindow', () => {
  it("keeps the tier's runs that started within twice its RPO before its newest run, dry runs aside", () => {
    // Prepare: daily RPO 30 h, so the window reaches 60 h back from the newest daily run.
    const runs = [
      run('new', 'daily', 'FAILED', '2026-03-10T02:00:00Z'),
      run('yesterday', 'daily', 'SUCCEEDED', '2026-03-09T02:00:00Z'),
      run('edge', 'daily', 'SUCCEEDED', '2026-03-07T14:00:00Z'),
      run('old', 'daily', 'SUCCEEDED', '2026-03-07T13:59:00Z'),
      run('dry', 'daily', 'SUCCEEDED', '2026-03-10T05:00:00Z', true),
      run('weekly', 'weekly', 'SUCCEEDED', '2026-03-10T01:00:00Z'),
    ];

    // Act
    const window = recoveryWindow(runs, 'daily', 30);

    // Assess
    expect(window.map((r) => r.runId)).toEqual(['new', 'yesterday', 'edge']);
  });

  it('stays anchored at the newest run when the schedule stops, so its resources keep ageing', () => {
    // Act: the only daily run was 10 days ago.
    const window = recoveryWindow([run('last', 'daily', 'SUCCEEDED', '2026-02-28T02:00:00Z')], 'daily', 30);

    // Assess
    expect(window.map((r) => r.runId)).toEqual(['last']);
  });

  it('lets no skipped start anchor the window or join it (it backed nothing up)', () => {
    // Prepare: a skipped start 5 days after the last run that happened.
    const runs = [
      run('skipped', 'daily', 'SKIPPED', '2026-03-10T02:00:00Z'),
      run('last', 'daily', 'SUCCEEDED', '2026-03-05T02:00:00Z'),
    ];

    // Act
    const window = recoveryWindow(runs, 'daily', 30);

    // Assess
    expect(window.map((r) => r.runId)).toEqual(['last']);
  });

  it('is empty for a tier that never ran', () => {
    expect(recoveryWindow([run('a', 'weekly', 'SUCCEEDED', '2026-03-10T01:00:00Z')], 'daily', 30)).toEqual([]);
  });
});

describe('resourceFreshness', () => {
  /** One resource item as the check reads it (listAttempts). */
  const attempt = (arn: string, status: ResourceAttempt['status'], queuedAt: string, finishedAt?: string) => ({
    arn,
    status,
    queuedAt,
    ...(finishedAt ? { finishedAt } : {}),
  });

  it('never completed: ages the resource from its earliest attempt in the window and flags it past the RPO', () => {
    // Act
    const [out] = resourceFreshness(
      'daily',
      30,
      [
        { attempts: [attempt('arn:v', 'FAILED', '2026-03-10T02:00:00Z', '2026-03-10T03:00:00Z')] },
        { attempts: [attempt('arn:v', 'FAILED', '2026-03-08T12:00:00Z', '2026-03-08T13:00:00Z')] },
      ],
      [],
      NOW,
    );

    // Assess
    expect(out).toMatchObject({
      arn: 'arn:v',
      lastBackupAt: undefined,
      firstQueuedAt: '2026-03-08T12:00:00Z',
      ageHours: 48,
      pastRpoHours: 18,
      breached: true,
    });
  });

  it('completed then failed: ages it from the completed backup, in the window or from its recovery point', () => {
    // Prepare: arn:a completed in the window's older run; arn:b only before the window (its recovery point).
    const window = [
      {
        attempts: [
          attempt('arn:a', 'FAILED', '2026-03-10T02:00:00Z', '2026-03-10T02:30:00Z'),
          attempt('arn:b', 'FAILED', '2026-03-10T02:00:00Z', '2026-03-10T02:30:00Z'),
        ],
      },
      { attempts: [attempt('arn:a', 'COMPLETED', '2026-03-09T02:00:00Z', '2026-03-09T04:00:00Z')] },
    ];
    const points = [{ arn: 'arn:b', lastGoodAt: '2026-03-05T12:00:00Z' }];

    // Act
    const out = resourceFreshness('daily', 30, window, points, NOW);

    // Assess
    expect(out.map((r) => [r.arn, r.lastBackupAt, r.ageHours, r.breached])).toEqual([
      ['arn:b', '2026-03-05T12:00:00Z', 120, true],
      ['arn:a', '2026-03-09T04:00:00Z', 32, true],
    ]);
  });

  it('past RPO and within RPO: only a last good backup older than the RPO is past it', () => {
    // Act
    const out = resourceFreshness(
      'daily',
      30,
      [
        {
          attempts: [
            attempt('arn:fresh', 'COMPLETED', '2026-03-10T02:00:00Z', '2026-03-10T03:00:00Z'),
            attempt('arn:stale', 'CREATING', '2026-03-10T02:00:00Z'),
          ],
        },
      ],
      [
        { arn: 'arn:stale', lastGoodAt: '2026-03-09T05:59:00Z' },
        // An older recovery point never hides a newer completed backup of the window.
        { arn: 'arn:fresh', lastGoodAt: '2026-03-01T00:00:00Z' },
      ],
      NOW,
    );

    // Assess
    expect(out.map((r) => [r.arn, r.breached])).toEqual([
      ['arn:stale', true],
      ['arn:fresh', false],
    ]);
    expect(out[1]?.ageHours).toBe(9);
  });

  it('a resource no longer protected (no attempt in the window, skipped) is not measured', () => {
    // Act
    const out = resourceFreshness(
      'daily',
      30,
      [{ attempts: [attempt('arn:skipped', 'SKIPPED', '2026-03-10T02:00:00Z')] }],
      [{ arn: 'arn:gone', lastGoodAt: '2026-01-01T00:00:00Z' }],
      NOW,
    );

    // Assess
    expect(out).toEqual([]);
  });
});

describe('worstFirst and tierRecovery', () => {
  it("lists the resources most past their RPO first across tiers, and counts each tier's", () => {
    // Prepare: weekly 200 h old is 20 h past its 180 h RPO; daily 40 h old is 10 h past; daily 5 h is within.
    const daily = resourceFreshness(
      'daily',
      30,
      [
        {
          attempts: [
            { arn: 'arn:d1', status: 'COMPLETED' as const, queuedAt: 'x', finishedAt: '2026-03-08T20:00:00Z' },
            { arn: 'arn:d2', status: 'COMPLETED' as const, queuedAt: 'x', finishedAt: '2026-03-10T07:00:00Z' },
          ],
        },
      ],
      [],
      NOW,
    );
    const weekly = resourceFreshness(
      'weekly',
      180,
      [
        {
          attempts: [{ arn: 'arn:w', status: 'COMPLETED' as const, queuedAt: 'x', finishedAt: '2026-03-02T04:00:00Z' }],
        },
      ],
      [],
      NOW,
    );

    // Act
    const all = worstFirst([...daily, ...weekly]);

    // Assess
    expect(all.map((r) => r.arn)).toEqual(['arn:w', 'arn:d1', 'arn:d2']);
    expect(tierRecovery('daily', all)).toEqual({
      tier: 'daily',
      protectedResources: 2,
      resourcesPastRpo: 1,
      oldestAgeHours: 40,
    });
    expect(tierRecovery('monthly', all)).toEqual({
      tier: 'monthly',
      protectedResources: 0,
      resourcesPastRpo: 0,
      oldestAgeHours: undefined,
    });
  });
});
