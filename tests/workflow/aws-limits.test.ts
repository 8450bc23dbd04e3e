/**
 * The sandbox refuses what AWS refuses (issue #9 §2), over the wire as `npm start` runs it: the state
 * payload limit (plan-at-scale.test.ts: a run of 2,000 resources fits, its item list in S3), StartExecution's
 * 256 KiB input, DynamoDB's 400 KB item, and token buckets
 * that refill with time as AWS's do, while the sandbox is idle and while a handler runs.
 */

import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { BACKUP_TAG } from '../../local/estates/fleet';
import { HANDLERS } from '../../local/handlers';
import { withSandbox } from '../support/wire-sandbox';
import { BUCKET, openSandbox } from '../support/workflow-sandbox';

jest.setTimeout(180_000);

const REGION = 'eu-west-1';
const DAY = 86_400_000;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

async function errorOf(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  return call.then(
    () => ({ name: 'none', message: 'the call succeeded' }),
    (e: Error) => ({ name: e.name, message: e.message }),
  );
}

describe('StartExecutionInputLimit', () => {
  it('refuses an execution input over 256 KiB with ValidationException and starts nothing', async () => {
    await withSandbox({ tokenBuckets: false }, async (sandbox) => {
      // Prepare
      const sfn = new SFNClient({ endpoint: sandbox.endpoint, region: REGION, credentials, maxAttempts: 1 });
      const input = (bytes: number) => JSON.stringify({ reason: 'r'.repeat(bytes - '{"reason":""}'.length) });

      // Act
      const refused = await errorOf(
        sfn.send(
          new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, name: 'big', input: input(305_000) }),
        ),
      );
      const fits = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: sandbox.stateMachineArn, name: 'fits', input: input(262_144) }),
      );
      sfn.destroy();

      // Assess
      expect(refused.name).toBe('ValidationException');
      expect(refused.message).toContain('less than or equal to 262144');
      expect(fits.executionArn).toContain(':fits');
      await expect(sandbox.sfn.execution(fits.executionArn ?? '').done).resolves.toMatchObject({ status: 'FAILED' });
      expect(() => sandbox.sfn.execution(fits.executionArn?.replace(':fits', ':big') ?? '')).toThrow(
        'Execution Does Not Exist',
      );
    });
  });
});

describe('StateTableItemLimit', () => {
  it('refuses a state-table item over 400 KB through the sandbox endpoint, as DynamoDB does', async () => {
    await withSandbox({ tokenBuckets: false }, async (sandbox) => {
      // Prepare
      const ddb = new DynamoDBClient({
        endpoint: sandbox.stateTableEndpoint,
        region: REGION,
        credentials,
        maxAttempts: 1,
      });
      const item = (bytes: number) => ({ pk: { S: 'RUN#big' }, sk: { S: 'RUN' }, blob: { S: 'b'.repeat(bytes) } });

      // Act
      const refused = await errorOf(
        ddb.send(new PutItemCommand({ TableName: sandbox.tableName, Item: item(410_000) })),
      );
      const stored = await ddb.send(new PutItemCommand({ TableName: sandbox.tableName, Item: item(390_000) }));
      ddb.destroy();

      // Assess
      expect(refused).toEqual({
        name: 'ValidationException',
        message: 'Item size has exceeded the maximum allowed size',
      });
      expect(stored.$metadata.httpStatusCode).toBe(200);
    });
  });
});

describe('IdleSandboxRecovers', () => {
  it('answers a describe again once a drained bucket had some real time to refill while the sandbox sat idle', async () => {
    await withSandbox({ tokenBuckets: true }, async (sandbox) => {
      // Prepare: drain EC2's describe bucket (100 burst, 20 a second)
      const ec2 = new EC2Client({ endpoint: sandbox.endpoint, region: REGION, credentials, maxAttempts: 1 });
      let throttled: { name: string } | undefined;
      for (let i = 0; i < 1000 && !throttled; i++) {
        throttled = await ec2.send(new DescribeVolumesCommand({})).then(
          () => undefined,
          (e: Error) => ({ name: e.name }),
        );
      }

      // Act: an idle half second, as between two CLI calls to `--serve`
      await new Promise((r) => setTimeout(r, 500));
      const after = await errorOf(ec2.send(new DescribeVolumesCommand({})));
      ec2.destroy();

      // Assess
      expect(throttled?.name).toBe('RequestLimitExceeded');
      expect(after).toEqual({ name: 'none', message: 'the call succeeded' });
    });
  });
});

describe('ExpiredBackupsDeletedInOneRun', () => {
  it('deletes more expired snapshots than the delete bucket holds in one run, without throttling failures', async () => {
    await withSandbox({ tokenBuckets: true, config: { polling: { deadlineHours: 48 } } }, async (sandbox) => {
      // Prepare: 115 volumes, backed up once; their daily snapshots expire after 7 days
      const model = sandbox.model;
      if (!model) throw new Error('expected the built-in emulator');
      for (let i = 0; i < 115; i++) model.addVolume(REGION, { Size: 8, Tags: [BACKUP_TAG], snapshotSeconds: 300 });
      const first = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'first', '{"tier":"daily"}').done;
      await sandbox.scheduler.sleep(8 * DAY);

      // Act
      const second = await sandbox.sfn.startExecution(sandbox.stateMachineArn, 'second', '{"tier":"daily"}').done;

      // Assess, causes first: a backup that failed in either run leaves its volume's old snapshot as the
      // newest complete one, which retention keeps by design (newest-of-source), and a delete that failed
      // ends the run RetentionFailed; either read as "deleted 112 of 115" when the retention counts were
      // asserted first. Then what is left (nothing expired), then what the run reported (every delete).
      const run = await sandbox.store.getRun('second');
      expect(first).toMatchObject({ status: 'SUCCEEDED' });
      expect((await sandbox.store.getRun('first'))?.counts).toMatchObject({ completed: 115, failed: 0 });
      expect(second).toMatchObject({ status: 'SUCCEEDED' });
      expect(run?.counts).toMatchObject({ completed: 115, failed: 0 });
      expect(model.snapshots(REGION)).toHaveLength(115);
      expect(run?.retention).toMatchObject({ deleted: 115, kept: 115, failedDeletes: 0 });
    });
  });
});

describe('FailedChildTolerated', () => {
  it('lets the other resources finish when one child execution fails outright (ToleratedFailurePercentage 100)', async () => {
    const sandbox = await openSandbox();
    try {
      // Prepare: a stopped instance fails at once, and recording its failure then dies with an error no
      // Retry or Catch handles, so its child execution fails; a volume's snapshot takes six hours
      const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];
      sandbox.model.addDbInstance(REGION, {
        DBInstanceIdentifier: 'reporting',
        status: 'stopped',
        TagList: tagged('r'),
      });
      const volume = sandbox.model.addVolume(REGION, { Size: 500, Tags: tagged('data'), snapshotSeconds: 6 * 3600 });
      const crash = (fn: string) => {
        if (fn !== 'record-failure') return undefined;
        const error = new Error('the state table is gone');
        error.name = 'StateTableGone';
        return error;
      };

      // Act
      const result = await sandbox.run({}, 'child-fails', { crash });

      // Assess: the Map carried on; Summarize counts the recorded failure and the completed volume
      const records = await sandbox.store.listResources('child-fails');
      expect(records.find((r) => r.resourceId === volume.VolumeId)?.status).toBe('COMPLETED');
      expect(result.events.some((e) => e.type === 'MapIterationFailed')).toBe(true);
      expect(
        result.events.find((e) => e.state === 'Summarize the run' && e.type === 'StateEntered')?.input,
      ).not.toHaveProperty('mapError');
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('BackupsFailed');
      // The Map's ResultWriter put the failed child beside the succeeded one, with a manifest naming both files.
      // The Map exits once in its history, with what its ResultWriter returned (never the children's results).
      const mapExits = result.events.filter((e) => e.state === 'Back up each resource' && e.type === 'StateExited');
      expect(mapExits).toHaveLength(1);
      expect(mapExits[0]?.output).toMatchObject({
        backups: { mapRunArn: expect.stringContaining(':mapRun:'), results: { Bucket: BUCKET } },
      });
      const keys = sandbox.model.objectKeys(BUCKET, 'runs/child-fails/results/');
      expect(keys.map((k) => k.split('/').at(-1)).sort()).toEqual([
        'FAILED_0.json',
        'SUCCEEDED_0.json',
        'manifest.json',
      ]);
      const failed = JSON.parse(
        sandbox.model.getObject(BUCKET, keys.find((k) => k.endsWith('FAILED_0.json')) ?? '').body,
      );
      expect(failed).toEqual([expect.objectContaining({ Status: 'FAILED', Error: 'StateTableGone' })]);
      const manifest = JSON.parse(
        sandbox.model.getObject(BUCKET, keys.find((k) => k.endsWith('manifest.json')) ?? '').body,
      );
      expect(manifest.ResultFiles).toMatchObject({
        FAILED: [{ Key: expect.stringMatching(/FAILED_0\.json$/) }],
        SUCCEEDED: [{ Key: expect.stringMatching(/SUCCEEDED_0\.json$/) }],
      });
    } finally {
      await sandbox.close();
    }
  });
});

describe('ChildDiesUnrecorded', () => {
  it('marks FAILED (Unfinished) what a dead child left CREATING: no resource stays in progress after its run', async () => {
    const sandbox = await openSandbox();
    try {
      // Prepare: the volume's snapshot completes, then Lambda refuses every invocation of the two recording
      // functions (throttled past all of Step Functions' retries, as under a concurrency limit the rest of the
      // account uses up), so its child ends with the item CREATING
      const volume = sandbox.model.addVolume(REGION, {
        Size: 50,
        Tags: [{ Key: 'Name', Value: 'data' }, BACKUP_TAG],
      });
      const throttled = () => {
        const error = new Error('Rate Exceeded.');
        error.name = 'Lambda.TooManyRequestsException';
        throw error;
      };
      const handlers = { ...HANDLERS, 'record-result': throttled, 'record-failure': throttled };

      // Act
      const result = await sandbox.run({}, 'child-dies', { handlers });

      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('BackupsFailed');
      const records = await sandbox.store.listResources('child-dies');
      expect(records.find((r) => r.resourceId === volume.VolumeId)).toMatchObject({
        status: 'FAILED',
        error: { error: 'Unfinished', cause: expect.stringMatching(/^left CREATING when the run ended/) },
      });
      expect((await sandbox.store.getRun('child-dies'))?.counts).toMatchObject({ failed: 1, unfinished: 1 });
    } finally {
      await sandbox.close();
    }
  });
});

describe('LambdaConcurrencyLimited', () => {
  it("rides out Lambda's concurrency limit: invocations past it are refused, retried, and every resource ends COMPLETED", async () => {
    const sandbox = await openSandbox();
    try {
      // Prepare: twelve volumes whose children all start at once, in an account that runs two invocations at a time
      for (let i = 0; i < 12; i++)
        sandbox.model.addVolume(REGION, { Size: 10, Tags: [{ Key: 'Name', Value: `v${i}` }, BACKUP_TAG] });

      // Act
      const result = await sandbox.run({}, 'concurrency-2', { lambdaConcurrency: 2 });

      // Assess: Lambda refused some invocations (the limit binds), the ASL's Retry carried them through
      expect(result.stats.throttledInvocations).toBeGreaterThan(0);
      expect(result.status).toBe('SUCCEEDED');
      const records = await sandbox.store.listResources('concurrency-2');
      expect(records).toHaveLength(12);
      expect(records.every((r) => r.status === 'COMPLETED')).toBe(true);
    } finally {
      await sandbox.close();
    }
  });
});

describe('ItemListUnreadable', () => {
  it('ends the Map through its Catch when the item list is gone (States.ItemReaderFailed), and Summarize counts every PENDING resource failed', async () => {
    const sandbox = await openSandbox();
    try {
      // Prepare: the item list disappears right after Plan wrote it
      sandbox.model.addVolume(REGION, { Size: 50, Tags: [{ Key: 'Name', Value: 'data' }, BACKUP_TAG] });
      const crash = (fn: string) => {
        if (fn === 'plan-run') sandbox.model.services.s3.objects.get(BUCKET)?.delete('runs/list-gone/items.json');
        return undefined;
      };

      // Act
      const result = await sandbox.run({}, 'list-gone', { crash });

      // Assess
      const summarize = result.events.find((e) => e.state === 'Summarize the run' && e.type === 'StateEntered');
      expect(summarize?.input).toMatchObject({ mapError: { Error: 'States.ItemReaderFailed' } });
      expect(result.events.some((e) => e.state === 'Back up each resource (read items)')).toBe(false);
      expect(sandbox.model.snapshots(REGION)).toEqual([]);
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('BackupsFailed');
    } finally {
      await sandbox.close();
    }
  });
});
