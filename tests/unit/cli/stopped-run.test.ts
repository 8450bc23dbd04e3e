/**
 * A run whose execution ended without its last tasks (StopExecution, a timeout, a failure past the Map)
 * as the CLI shows it (issue #21 item 7): the record closed as the execution ended, and retention that
 * had run part-way told from the passes it recorded, not as "not applied".
 */
import { closedRun, retentionView } from '../../../cli/commands/run-views';
import type { RetentionPass } from '../../../shared/state/retention-ledger';
import { addUpPasses } from '../../../shared/workflow/retention/retention-summary';
import { runRecord } from '../../support/unit-fixtures';

const RUN = 'daily-20260105T020000Z';

const pass = (unit: string, n: number, deleted: number, kept: number, done = false): RetentionPass => ({
  unit,
  pass: n,
  dryRun: false,
  deleted,
  kept,
  failed: [],
  failedDeletes: 0,
  deletedIds: Array.from({ length: deleted }, (_, i) => `snap-${unit}-${n}-${i}`),
  decisions: [],
  done,
});

describe('closedRun', () => {
  it('closes a RUNNING record as its execution ended, at the time it stopped', () => {
    const run = runRecord(RUN, { status: 'RUNNING' });

    const closed = closedRun(run, { status: 'ABORTED', stopDate: '2026-01-05T02:10:00.000Z' });

    expect(closed).toEqual(expect.objectContaining({ status: 'ABORTED', finishedAt: '2026-01-05T02:10:00.000Z' }));
  });

  it('leaves a record its execution agrees with, or one Step Functions no longer knows', () => {
    const run = runRecord(RUN, { status: 'RUNNING' });
    expect(closedRun(run, { status: 'RUNNING' })).toBe(run);
    expect(closedRun(run, undefined)).toBe(run);
  });
});

describe('retention stopped part-way', () => {
  it('adds up the passes that ran and says the run ended during retention', () => {
    // Prepare: one unit finished, one stopped after its first pass.
    const passes = [pass('eu-west-1.ec2', 1, 2, 3, true), pass('eu-west-1.rds', 1, 1, 0)];

    // Act
    const { retention } = addUpPasses(passes, false, ['eu-west-1.ec2', 'eu-west-1.rds']);
    const view = retentionView({ ...runRecord(RUN), retention: { ...retention, partial: true } });

    // Assess
    expect(retention).toEqual(
      expect.objectContaining({ deleted: 3, kept: 3, failedDeletes: 0, failedUnits: ['eu-west-1.rds'] }),
    );
    expect(view.split('\n')[0]).toBe(
      'Retention stopped part-way (the run ended during it): deleted 3, kept 3 in the passes that ran; unfinished: eu-west-1.rds',
    );
  });
});
