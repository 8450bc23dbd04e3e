/**
 * `start --retry-failed` (cli/commands/operate.ts retryInput) and the one name resolver's match
 * (cli/commands/backups.ts goesBy), and a dry run's copy plan (shared/workflow/backup/dry-run.ts).
 */
import { goesBy } from '../../../cli/commands/backups';
import { retryInput } from '../../../cli/commands/operate';
import { CliError } from '../../../cli/target';
import { dryRunCopies, dryRunNote, dryRunPlan, wouldBeBackedUp } from '../../../shared/workflow/backup/dry-run';
import { resourceRecord, runRecord } from '../../support/unit-fixtures';
import { volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const RUN = 'weekly-20260105T020000Z';

describe('retryInput', () => {
  it("takes exactly the run's FAILED resources, its tier, copy targets and retention override", () => {
    // Prepare
    const run = runRecord(RUN, {
      tier: 'weekly',
      input: { tier: 'weekly', copyTo: [{ region: 'us-west-2', kmsKeyId: 'alias/dr' }], retentionDays: 30 },
    });
    const records = [
      resourceRecord(RUN, dbRef('orders'), { status: 'FAILED' }),
      resourceRecord(RUN, volumeRef('vol-0aaaaaaaaaaaaaaaa'), { status: 'COMPLETED' }),
      resourceRecord(RUN, volumeRef('vol-0bbbbbbbbbbbbbbbb'), { status: 'SKIPPED' }),
      resourceRecord(RUN, dbRef('legacy'), { status: 'FAILED' }),
    ];

    // Act
    const retry = retryInput(RUN, run, records);

    // Assess
    expect(retry).toEqual({
      tier: 'weekly',
      resources: [dbRef('orders').arn, dbRef('legacy').arn],
      copyTo: [{ region: 'us-west-2', kmsKeyId: 'alias/dr' }],
      retentionDays: 30,
    });
  });

  it('takes the resources a run that ended left unfinished too, as status counts them failed (issue #21)', () => {
    const records = [
      resourceRecord(RUN, dbRef('orders'), { status: 'CREATING' }),
      resourceRecord(RUN, volumeRef('vol-0aaaaaaaaaaaaaaaa'), { status: 'PENDING' }),
      resourceRecord(RUN, volumeRef('vol-0bbbbbbbbbbbbbbbb'), { status: 'COMPLETED' }),
      resourceRecord(RUN, dbRef('legacy'), { status: 'FAILED' }),
    ];

    const retry = retryInput(RUN, runRecord(RUN), records, { ended: true });
    const running = () => retryInput(RUN, runRecord(RUN), records.slice(0, 3), { ended: false });

    expect(retry.resources).toEqual([dbRef('orders').arn, volumeRef('vol-0aaaaaaaaaaaaaaaa').arn, dbRef('legacy').arn]);
    // Still running: what it has not finished yet is no failure.
    expect(running).toThrow(`run ${RUN} has no failed resources: nothing to retry`);
  });

  it('refuses a run with no failed resources, naming it', () => {
    const records = [resourceRecord(RUN, dbRef('orders'), { status: 'COMPLETED' })];
    expect(() => retryInput(RUN, runRecord(RUN), records)).toThrow(CliError);
    expect(() => retryInput(RUN, runRecord(RUN), records)).toThrow(
      `run ${RUN} has no failed resources: nothing to retry`,
    );
  });
});

describe('goesBy', () => {
  it('matches the id the tables print, or the Name tag, never a part of either', () => {
    const record = resourceRecord(RUN, volumeRef('vol-0aaaaaaaaaaaaaaaa'), {
      sourceTags: [{ Key: 'Name', Value: 'web-data' }],
    });
    expect(goesBy(record, 'vol-0aaaaaaaaaaaaaaaa')).toBe(true);
    expect(goesBy(record, 'web-data')).toBe(true);
    expect(goesBy(record, 'web')).toBe(false);
    // EC2 instances and EBS volumes record their Name tag among their own tags (resourceTags), not sourceTags.
    const instance = resourceRecord(RUN, volumeRef('vol-0cccccccccccccccc'), {
      resourceTags: [{ Key: 'Name', Value: 'web-1' }],
    });
    expect(goesBy(instance, 'web-1')).toBe(true);
    // A recovery point carries only its ARN: its id is the ARN's last part.
    expect(goesBy({ arn: dbRef('orders').arn }, 'orders')).toBe(true);
    expect(goesBy({ arn: dbRef('orders-2').arn }, 'orders')).toBe(false);
  });
});

describe('a dry run plan', () => {
  it('names each copy region and key, skips the source region, and says which types are not copied', () => {
    const targets = [{ region: 'us-west-2', kmsKeyId: 'alias/dr' }, { region: 'eu-west-1' }];
    const copied = dryRunNote(dryRunCopies({ region: 'eu-west-1', type: 'rds-instance' }, targets, true));
    const notCopied = dryRunNote(dryRunCopies({ region: 'eu-west-1', type: 'dynamodb-table' }, targets, false));
    expect(copied).toBe('dry run: would be backed up, copied to us-west-2 under alias/dr');
    expect(dryRunPlan(copied)).toBe('copied to us-west-2 under alias/dr');
    expect(dryRunPlan(notCopied)).toBe(
      'not copied to us-west-2 (dynamodb-table backups are not copied across regions)',
    );
    expect(dryRunPlan(dryRunNote([]))).toBe('backed up, not copied (no copyTo)');
    expect(wouldBeBackedUp({ status: 'SKIPPED', note: copied })).toBe(true);
    expect(wouldBeBackedUp({ status: 'SKIPPED', note: 'included in the backup of its cluster' })).toBe(false);
  });
});
