/**
 * cli/report/restore-window.ts: which restores and drills a run's report shows. From the run's start
 * until its tier's next run started (or the report was generated), so consecutive reports of a tier
 * show each restore once.
 */
import { reportRestoreWindow, restoresInWindow } from '../../../cli/report/restore-window';
import { runRecord } from '../../support/unit-fixtures';
import { restoreRecord } from '../services/rds/fixtures';

const run = runRecord('daily-1', { startedAt: '2026-01-05T02:00:00.000Z' });
const next = { runId: 'daily-2', startedAt: '2026-01-06T02:00:00.000Z' };

describe('reportRestoreWindow', () => {
  it("runs from the run's start to the next run of its tier when there is one", () => {
    expect(reportRestoreWindow(run, next)).toEqual({
      from: '2026-01-05T02:00:00.000Z',
      to: '2026-01-06T02:00:00.000Z',
      nextRunId: 'daily-2',
    });
  });

  it("is left open for the latest run of its tier, not ended at the local clock (the pipeline's may differ)", () => {
    expect(reportRestoreWindow(run, undefined)).toEqual({
      from: '2026-01-05T02:00:00.000Z',
      to: undefined,
      nextRunId: undefined,
    });
  });
});

describe('restoresInWindow', () => {
  it('keeps the restores that started from the start (included) to the end (excluded), newest first', () => {
    // Prepare
    const window = reportRestoreWindow(run, next);
    const restores = [
      restoreRecord('before', '2026-01-05T01:59:59.999Z'),
      restoreRecord('at-start', '2026-01-05T02:00:00.000Z'),
      restoreRecord('drill', '2026-01-05T04:00:00.000Z'),
      restoreRecord('operator', '2026-01-05T12:00:00.000Z', { drill: false, cleanup: undefined }),
      restoreRecord('at-next-run', '2026-01-06T02:00:00.000Z'),
    ];

    // Act
    const shown = restoresInWindow(restores, window);

    // Assess
    expect(shown.map((r) => r.restoreId)).toEqual(['operator', 'drill', 'at-start']);
  });
  it('keeps every restore from the start on while the window is open', () => {
    const restores = [
      restoreRecord('before', '2026-01-05T01:00:00.000Z'),
      restoreRecord('later', '2027-01-01T00:00:00.000Z'),
    ];
    expect(restoresInWindow(restores, reportRestoreWindow(run, undefined)).map((r) => r.restoreId)).toEqual(['later']);
  });
});
