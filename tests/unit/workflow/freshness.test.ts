/**
 * shared/workflow/freshness.ts: how long since each tier last succeeded, and how old each protected
 * resource's newest good backup is, against the tier's RPO (the scheduled check and `status --rpo`).
 */
import { parsePipelineConfig } from '../../../shared/config';
import type { RunRecord } from '../../../shared/state/records';
import { resourceFreshness, tierFreshness } from '../../../shared/workflow/freshness';

const NOW = new Date('2026-03-10T12:00:00Z');
const tiers = parsePipelineConfig({}).tiers;

/** A finished run of `tier` (its start and finish at `finishedAt`). */
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

describe('tierFreshness', () => {
  it('reports hours since each tier last succeeded and flags a breached RPO (dry runs and failures do not count)', () => {
    // Act
    const out = tierFreshness(
      [
        run('a', 'daily', 'SUCCEEDED', '2026-03-09T02:30:00Z'),
        run('b', 'daily', 'FAILED', '2026-03-10T02:30:00Z'),
        run('c', 'weekly', 'SUCCEEDED', '2026-03-10T01:00:00Z', true),
      ],
      tiers,
      NOW,
    );

    // Assess
    expect(out.find((t) => t.tier === 'daily')).toMatchObject({ hoursSince: 33.5, rpoHours: 30, breached: true });
    expect(out.find((t) => t.tier === 'weekly')).toMatchObject({ lastSuccessAt: undefined, breached: true });
  });
});

describe('resourceFreshness', () => {
  it('ages each protected resource by its newest completed backup per tier', () => {
    // Prepare
    const base = { type: 'ebs-volume' as const, region: 'eu-west-1', resourceId: 'v', queuedAt: 'x' };

    // Act
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
      NOW,
    );

    // Assess
    expect(out.map((r) => [r.arn, r.ageHours, r.breached])).toEqual([
      ['arn:w', 57, true],
      ['arn:v', 9, false],
    ]);
  });
});
