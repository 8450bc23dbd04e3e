/**
 * cli/commands/overview.ts: `status` without a run. Its restore lines stay short, but every failed
 * restore or drill is named, with what a failed clean-up left behind, however many others there are.
 */
import { overviewFailed, recentRange, restoresOverview } from '../../../cli/commands/overview';
import { runRecord } from '../../support/unit-fixtures';
import { restoreRecord } from '../services/rds/fixtures';

const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T02:00:00.000Z`;

describe('restoresOverview', () => {
  it('counts the restores and drills, lists the newest few and points to status --rto', () => {
    // Prepare: newest first, as the store lists them.
    const restores = [5, 4, 3, 2, 1].map((d) =>
      restoreRecord(`drill-${d}`, day(d), d === 4 ? { drill: false, cleanup: undefined } : {}),
    );

    // Act
    const lines = restoresOverview(restores, 7, 3);

    // Assess
    expect(lines).toEqual([
      'Restores and drills, last 7 days: 5 (4 drills), none failed',
      expect.stringMatching(/^ {2}Drill drill-5 AVAILABLE: orders-drill-5 .*; clean-up DELETED$/),
      expect.stringMatching(/^ {2}Restore drill-4 AVAILABLE: /),
      expect.stringMatching(/^ {2}Drill drill-3 AVAILABLE: /),
      '  and 2 more',
      "Each type's last drill and recovery time: backup-pipeline status --rto",
    ]);
  });

  it('names every failure first, with what a failed clean-up left behind, even past the lines for others', () => {
    // Prepare
    const restores = [
      restoreRecord('ok-1', day(9)),
      restoreRecord('leaky', day(8), {
        cleanup: { status: 'FAILED', at: day(8), cause: 'AccessDenied: ec2:DeleteVolume', leftovers: ['vol-left'] },
      }),
      restoreRecord('ok-2', day(7)),
      restoreRecord('broken', day(6), {
        status: 'FAILED',
        recoverySeconds: undefined,
        error: { error: 'RestoreFailed', cause: 'snapshot not available' },
      }),
    ];

    // Act
    const lines = restoresOverview(restores, 7, 1);

    // Assess
    expect(lines).toEqual([
      'Restores and drills, last 7 days: 4 (4 drills), 2 FAILED',
      expect.stringMatching(/^ {2}✗ Drill leaky AVAILABLE: .*; clean-up FAILED$/),
      '      left behind, delete by hand: vol-left',
      expect.stringMatching(/^ {2}✗ Drill broken FAILED: .*: RestoreFailed: snapshot not available$/),
      expect.stringMatching(/^ {2}Drill ok-1 AVAILABLE/),
      '  and 1 more',
      "Each type's last drill and recovery time: backup-pipeline status --rto",
    ]);
  });

  it('says how to drill when there was none', () => {
    expect(restoresOverview([], 7)).toEqual([
      'Restores and drills, last 7 days: none (drill one with "backup-pipeline restore --resource <arn> --latest --drill")',
      "Each type's last drill and recovery time: backup-pipeline status --rto",
    ]);
  });
});

describe('overviewFailed', () => {
  it('is true when a listed run failed or a restore or drill of the period failed, not for one still running', () => {
    const ok = [runRecord('r1', { status: 'SUCCEEDED' }), runRecord('r2', { status: 'SKIPPED' })];
    const running = restoreRecord('d1', day(1), { cleanup: undefined, finishedAt: undefined });
    expect(overviewFailed(ok, [restoreRecord('d0', day(1)), running])).toBe(false);
    expect(overviewFailed([...ok, runRecord('r3', { status: 'FAILED' })], [])).toBe(true);
    expect(overviewFailed(ok, [restoreRecord('d2', day(1), { cleanup: { status: 'FAILED', at: day(1) } })])).toBe(true);
  });
});

describe('recentRange', () => {
  it('reads the restores that started in the last days up to now', () => {
    expect(recentRange(new Date('2026-01-08T12:00:00.000Z'), 7)).toEqual({ from: '2026-01-01T12:00:00.000Z' });
  });
});
