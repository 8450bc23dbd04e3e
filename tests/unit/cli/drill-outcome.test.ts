/**
 * A drill's outcome is one word, passed or failed, in every view (issue #21 item 1): `npm start -- --drill`'s
 * table (cli/commands/drills.ts), `status --rto` (cli/commands/rto.ts), `restore --drill --wait`; and a drill
 * by hand takes the drills' id prefix, as `npm start -- --drill` names its drill.
 */
import { drillTable } from '../../../cli/commands/drills';
import { restoreExecutionName } from '../../../cli/commands/restore';
import { rtoTable } from '../../../cli/commands/rto';
import type { RestoreRecord } from '../../../shared/state/records';
import { drillOutcome, drillSummary } from '../../../shared/workflow/drills/drill-summary';

const drill = (extra: Partial<RestoreRecord> = {}): RestoreRecord => ({
  restoreId: 'drill-20260301T060000Z-1',
  arn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
  type: 'rds-instance',
  runId: 'weekly-1',
  tier: 'weekly',
  sourceRegion: 'eu-west-1',
  region: 'eu-west-1',
  backupIds: ['bp-weekly-1-orders'],
  name: 'orders-restored-20260301t060000',
  drill: true,
  status: 'AVAILABLE',
  startedAt: '2026-03-01T06:00:00.000Z',
  finishedAt: '2026-03-01T06:20:00.000Z',
  recoverySeconds: 600,
  validation: { status: 'PASSED', message: 'ok', at: '2026-03-01T06:10:00.000Z' },
  cleanup: { status: 'DELETED', at: '2026-03-01T06:20:00.000Z' },
  ...extra,
});
const failed = drill({
  restoreId: 'drill-20260308T060000Z-1',
  startedAt: '2026-03-08T06:00:00.000Z',
  finishedAt: '2026-03-08T06:20:00.000Z',
  cleanup: { status: 'FAILED', at: '2026-03-08T06:20:00.000Z', cause: 'AccessDenied', leftovers: ['orders-x'] },
});

describe('a drill outcome', () => {
  it('is passed or failed, lower case, in the drill table and status --rto alike', () => {
    expect(drillOutcome(true)).toBe('passed');
    expect(drillOutcome(false)).toBe('failed');
    const [, ok, bad] = drillTable([drill(), failed]).split('\n');
    expect(ok).toMatch(/ passed$/);
    expect(bad).toMatch(/ failed: clean-up: AccessDenied; left: orders-x$/);
    const [, row] = rtoTable(drillSummary([failed, drill()])).split('\n');
    expect(row).toMatch(/^rds-instance\s+-\s+2026-03-08 06:00\s+failed\s/);
  });

  it("names a drill by hand with the drills' prefix", () => {
    const at = new Date('2026-03-01T06:00:00.123Z');
    expect(restoreExecutionName(at, 'drill')).toBe('drill-20260301T060000Z');
    expect(restoreExecutionName(at)).toBe('restore-20260301T060000Z');
  });
});
