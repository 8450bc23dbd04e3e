/** `status --rto`'s summary (shared/workflow/drills/drill-summary.ts): per type and mode, the last drill and the last that passed. */
import type { RestoreRecord } from '../../../shared/state/records';
import { drillSummary, restoreOutcome } from '../../../shared/workflow/drills/drill-summary';

const record = (restoreId: string, startedAt: string, extra: Partial<RestoreRecord> = {}): RestoreRecord => ({
  restoreId,
  arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
  type: 'rds-instance',
  runId: 'daily-1',
  tier: 'daily',
  sourceRegion: 'eu-west-1',
  region: 'eu-west-1',
  backupIds: ['bp-1'],
  name: `orders-${restoreId}`,
  drill: true,
  status: 'AVAILABLE',
  startedAt,
  finishedAt: startedAt,
  recoverySeconds: 3600,
  cleanup: { status: 'DELETED', at: startedAt },
  ...extra,
});

describe('drillSummary', () => {
  it('gives each type its last drill and its last drill that passed, with their recovery times', () => {
    // Prepare
    const restores = [
      record('d1', '2026-11-01T02:00:00.000Z', { recoverySeconds: 3000 }),
      record('d2', '2026-11-08T02:00:00.000Z', {
        status: 'FAILED',
        recoverySeconds: undefined,
        error: { error: 'InvalidResourceStateError', cause: 'snapshot not available' },
      }),
      record('v1', '2026-11-08T03:00:00.000Z', { type: 'ebs-volume', recoverySeconds: 60 }),
    ];

    // Act
    const summary = drillSummary(restores);

    // Assess
    expect(summary).toEqual([
      expect.objectContaining({ type: 'ebs-volume', drills: 1, lastPassed: true, lastRecoverySeconds: 60 }),
      expect.objectContaining({
        type: 'rds-instance',
        drills: 2,
        lastAt: '2026-11-08T02:00:00.000Z',
        lastPassed: false,
        lastError: 'InvalidResourceStateError: snapshot not available',
        lastPassedAt: '2026-11-01T02:00:00.000Z',
        lastPassedRecoverySeconds: 3000,
      }),
    ]);
  });

  it("counts a drill whose clean-up failed as not passed, and leaves operators' restores and running drills out", () => {
    const summary = drillSummary([
      record('d1', '2026-11-01T02:00:00.000Z', { cleanup: { status: 'FAILED', at: 'x', cause: 'AccessDenied' } }),
      record('r1', '2026-11-02T02:00:00.000Z', { drill: false }),
      record('d2', '2026-11-03T02:00:00.000Z', { finishedAt: undefined }),
    ]);
    expect(summary).toEqual([
      expect.objectContaining({
        drills: 1,
        lastPassed: false,
        lastError: 'clean-up failed: AccessDenied',
        lastPassedAt: undefined,
      }),
    ]);
  });
});

describe('restoreOutcome', () => {
  it('passes a restore that is available and a drill that also cleaned up; fails either failure; else running', () => {
    const at = '2026-11-01T02:00:00.000Z';
    expect(restoreOutcome(record('d1', at))).toBe('passed');
    expect(restoreOutcome(record('r1', at, { drill: false, cleanup: undefined }))).toBe('passed');
    expect(restoreOutcome(record('d2', at, { cleanup: { status: 'FAILED', at } }))).toBe('failed');
    expect(restoreOutcome(record('d3', at, { status: 'FAILED', cleanup: { status: 'DELETED', at } }))).toBe('failed');
    expect(restoreOutcome(record('d4', at, { cleanup: undefined, finishedAt: undefined }))).toBe('running');
    expect(restoreOutcome(record('r2', at, { status: 'RESTORING', drill: false, cleanup: undefined }))).toBe('running');
  });
});
