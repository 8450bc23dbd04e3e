/**
 * Notify operators (functions/notify.ts): one EventBridge event per run, and an SNS message always
 * when anything failed (or nothing matched), on success only with NOTIFY_ON_SUCCESS=true. State from
 * dynalite, SNS and EventBridge mocked.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/notify';
import { AwsModel } from '../../../local/model';
import type { ResourceRef } from '../../../shared/resource';
import type { ResourceRecord, RunRecord } from '../../../shared/state/records';
import { MAX_MESSAGE_BYTES } from '../../../shared/workflow/notify/notification';
import { useUnitDynalite } from '../../support/unit-dynalite';
import {
  caught,
  lambdaContext,
  namedError,
  resourceRecord,
  runRecord,
  TOPIC_ARN,
  unitHandlerEnv,
} from '../../support/unit-fixtures';
import { instanceRef, volumeRef } from '../services/ec2/fixtures';
import { dbRef } from '../services/rds/fixtures';

const db = useUnitDynalite();
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);

beforeAll(() => Object.assign(process.env, unitHandlerEnv(db().tableName)));
beforeEach(() => {
  sns.reset();
  events.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'evt-1' }] });
  process.env.NOTIFY_ON_SUCCESS = 'false';
});

let n = 0;
async function runWith(records: [ResourceRef, Partial<ResourceRecord>][], run: Partial<RunRecord> = {}) {
  const runId = `run-${++n}`;
  await db().store().createRun(runRecord(runId, run));
  for (const [ref, overrides] of records)
    await db()
      .store()
      .addResource(resourceRecord(runId, ref, overrides));
  return runId;
}

const ok = (i: number): [ResourceRef, Partial<ResourceRecord>] => [
  volumeRef(`vol-${String(i).padStart(17, '0')}`),
  { status: 'COMPLETED', backupIds: [`snap-${i}`] },
];
const QUOTA: [ResourceRef, Partial<ResourceRecord>] = [
  dbRef('orders'),
  {
    status: 'FAILED',
    error: { error: 'QuotaExceededError', cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded' },
  },
];
const TIMEOUT: [ResourceRef, Partial<ResourceRecord>] = [
  instanceRef(),
  {
    status: 'FAILED',
    backupIds: ['snap-slow'],
    error: { error: 'BackupFailed', cause: 'timeout: still 40% complete after 24.0 h' },
  },
];
const SKIP: [ResourceRef, Partial<ResourceRecord>] = [
  volumeRef('vol-0ffffffffffffffff'),
  { status: 'SKIPPED', note: `included in the backup of ${instanceRef().arn}` },
];

const published = () => sns.commandCalls(PublishCommand)[0]?.args[0].input;

describe('notify handler', () => {
  it('always publishes when backups failed, with a triage subject and every failure named', async () => {
    // Prepare
    const runId = await runWith([ok(1), ok(2), ok(3), ok(4), ok(5), QUOTA, TIMEOUT, SKIP]);

    // Act
    const out = await handler({ runId, summary: { failed: 2 } }, lambdaContext);

    // Assess
    expect(out).toEqual({ published: true, messageId: 'msg-1', eventId: 'evt-1' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = published();
    expect(message).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'backup-pipeline daily: 5/7 ok, 2 failed',
      MessageAttributes: {
        tier: { DataType: 'String', StringValue: 'daily' },
        failed: { DataType: 'Number', StringValue: '2' },
      },
    });
    expect(message?.Message).toContain(
      `  - ${dbRef('orders').arn} [rds-instance] during start: QuotaExceededError: RDS CreateDBSnapshot orders: SnapshotQuotaExceeded`,
    );
    expect(message?.Message).toContain(
      `  - ${instanceRef().arn} [ec2-instance] during snapshot: BackupFailed: timeout: still 40% complete after 24.0 h`,
    );
  });

  it('does not publish a successful run when NOTIFY_ON_SUCCESS is false', async () => {
    const runId = await runWith([ok(1), SKIP]);

    const out = await handler({ runId, summary: { failed: 0 } }, lambdaContext);

    expect(out).toEqual({ published: false, eventId: 'evt-1' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('publishes a successful run when NOTIFY_ON_SUCCESS is true', async () => {
    process.env.NOTIFY_ON_SUCCESS = 'true';
    const runId = await runWith([ok(1), ok(2)]);

    const out = await handler({ runId, summary: { failed: 0 } }, lambdaContext);

    expect(out).toMatchObject({ published: true });
    expect(published()?.Subject).toBe('backup-pipeline daily: 2/2 ok');
  });

  it('publishes a run that matched nothing even when success notifications are off', async () => {
    const runId = await runWith([]);
    await handler({ runId, summary: { failed: 0 } }, lambdaContext);
    expect(published()?.Subject).toBe('backup-pipeline daily: nothing to back up');
  });

  it('says in the subject what a dry run would back up, not "0/0 ok"', async () => {
    process.env.NOTIFY_ON_SUCCESS = 'true';
    const planned: [ResourceRef, Partial<ResourceRecord>] = [
      dbRef('customers'),
      { status: 'SKIPPED', note: 'dry run: would be backed up, copied to us-west-2 under alias/dr' },
    ];
    const runId = await runWith([SKIP, planned], { dryRun: true, tier: 'weekly' });
    await handler({ runId, summary: { failed: 0 } }, lambdaContext);
    expect(published()?.Subject).toBe('backup-pipeline weekly: dry run: 1 would be backed up');
  });

  it('puts one EventBridge event per run with the counts and the failures, successes included', async () => {
    // Prepare
    const runId = await runWith([ok(1), QUOTA]);

    // Act
    await handler({ runId, summary: { failed: 1 } }, lambdaContext);

    // Assess
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'default',
      Source: 'backup-pipeline',
      DetailType: 'Backup Run Completed',
      Resources: [runRecord(runId).executionArn],
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      runId,
      status: 'FAILED',
      counts: { total: 2, completed: 1, failed: 1, skipped: 0 },
      failures: [{ arn: dbRef('orders').arn, phase: 'start', error: 'QuotaExceededError' }],
    });
  });

  it('fails (to be retried) when EventBridge refuses the event, before publishing', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const runId = await runWith([QUOTA]);

    await expect(handler({ runId, summary: { failed: 1 } }, lambdaContext)).rejects.toThrow(
      'EventBridge refused the run event: InternalFailure: x',
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('throws ThrottledError when SNS throttles, for the ASL Retry', async () => {
    sns.on(PublishCommand).rejects(namedError('Throttling'));
    const runId = await runWith([QUOTA]);
    const error = await caught(handler({ runId, summary: { failed: 1 } }, lambdaContext));
    expect(error.name).toBe('ThrottledError');
  });

  it('fails with a clear message when the run has no record', async () => {
    await expect(handler({ runId: 'run-missing', summary: { failed: 0 } }, lambdaContext)).rejects.toThrow(
      `run run-missing has no record in ${db().tableName}`,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('rejects an event without the summary', async () => {
    await expect(handler({ runId: 'r' }, lambdaContext)).rejects.toThrow(/^notify: invalid event: summary/);
  });
});

describe('notify at scale (issue #9 §4.8)', () => {
  // 400 failures rendered and measured against SNS's limit: seconds of CPU, which a loaded machine
  // (three jest workers on two cores) can stretch past the default 5 s.
  jest.setTimeout(20_000);

  it("publishes a run with 400 failures with long reasons within SNS's 256 KiB, counting those left out and pointing to the full report", async () => {
    // Prepare: SNS answered by the AWS model, which refuses a message over 256 KiB as SNS does.
    const model = new AwsModel({ clock: { now: () => new Date('2026-01-05T03:00:00Z') } });
    model.createTopic('eu-west-1', { Name: TOPIC_ARN.split(':').at(-1) });
    sns.on(PublishCommand).callsFake((input) => model.publish('eu-west-1', input));
    const reason = `RDS CreateDBSnapshot: InvalidDBInstanceState: ${'the instance is not in a state that allows it; '.repeat(60)}`;
    const failures = Array.from({ length: 400 }, (_, i): [ResourceRef, Partial<ResourceRecord>] => [
      dbRef(`db-${i}`),
      { status: 'FAILED', error: { error: 'InvalidResourceStateError', cause: `${reason} (${i})` } },
    ]);
    const runId = await runWith([...failures, ok(1)]);

    // Act
    const out = await handler({ runId, summary: { failed: 400 } }, lambdaContext);

    // Assess
    expect(out).toMatchObject({ published: true });
    const [message] = model.sns;
    const size = Buffer.byteLength(message?.Message ?? '', 'utf8');
    expect(size).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(message?.Subject).toBe('backup-pipeline daily: 1/401 ok, 400 failed');
    const listed = (message?.Message ?? '').split('\n').filter((l) => l.includes('[rds-instance] during'));
    expect(listed.length).toBeGreaterThan(100);
    expect(listed.length).toBeLessThan(400);
    expect(message?.Message).toContain(
      `... and ${400 - listed.length} more failure(s) not listed: the message is capped at SNS's size limit. Every failure: backup-pipeline status ${runId} (or backup-pipeline report ${runId}).`,
    );
    expect(message?.Message).toContain('Execution: https://');
    // The EventBridge event stays far below PutEvents' 256 KB too.
    const detail = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '';
    expect(Buffer.byteLength(detail, 'utf8')).toBeLessThan(100_000);
  });
});
