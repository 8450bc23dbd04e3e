/**
 * cli/commands/operate.ts loadRun: the read `status` and `report` share. It reads through the state
 * store's schemas, so a malformed item stops the command with the item and field named, never a
 * half-rendered status or report.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { loadRun } from '../../../cli/commands/operate';
import { CliError } from '../../../cli/target';
import { MalformedItemError } from '../../../shared/state/records';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { caught, resourceRecord, runRecord } from '../../support/unit-fixtures';
import { instanceRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const db = useUnitDynalite();

describe('loadRun', () => {
  it('returns the run and its resources, by run id or execution ARN', async () => {
    // Prepare
    const store = db().store();
    await store.createRun(runRecord('cli-good'));
    await store.addResource(resourceRecord('cli-good', dbRef(), { status: 'COMPLETED', backupIds: ['bp-1'] }));

    // Act
    const loaded = await loadRun(store, db().tableName, runRecord('cli-good').executionArn);

    // Assess
    expect(loaded.runId).toBe('cli-good');
    expect(loaded.run).toMatchObject({ runId: 'cli-good', status: 'RUNNING' });
    expect(loaded.resources).toEqual([expect.objectContaining({ arn: dbRef().arn, backupIds: ['bp-1'] })]);
  });

  it('names a run that does not exist', async () => {
    const error = await caught(loadRun(db().store(), db().tableName, 'cli-none'));
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(/^no run cli-none in /);
  });

  it('points a restore or drill id to restore --watch, which follows it', async () => {
    const restore = await caught(loadRun(db().store(), db().tableName, 'restore-20260301T000000Z'));
    const drill = await caught(loadRun(db().store(), db().tableName, 'drill-20260301T000000Z'));
    expect(restore.message).toContain('backup-pipeline restore --watch restore-20260301T000000Z');
    expect(drill.message).toContain('backup-pipeline restore --watch drill-20260301T000000Z');
  });

  it('refuses a run whose resource item is malformed, naming the item and the field', async () => {
    // Prepare: a resource item whose status is not one the pipeline writes.
    const store = db().store();
    await store.createRun(runRecord('cli-bad'));
    const ref = instanceRef();
    await db().doc.send(
      new PutCommand({
        TableName: db().tableName,
        Item: { pk: 'RUN#cli-bad', sk: `RES#${ref.arn}`, ...resourceRecord('cli-bad', ref), status: 'DONE' },
      }),
    );

    // Act
    const error = await caught(loadRun(store, db().tableName, 'cli-bad'));

    // Assess
    expect(error).toBeInstanceOf(MalformedItemError);
    expect(error.message).toMatch(new RegExp(`^state item RUN#cli-bad RES#${ref.arn} is malformed: status: `));
  });
});
