/**
 * The thin handlers, called as Lambda calls them: env from the function's schema, state in a real
 * DynamoDB (dynalite), EC2/RDS/SNS mocked. Each test checks the wiring and the contract the ASL
 * relies on (returned shape, named errors), not the domain rules tested elsewhere.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSnapshotsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand as DescribeCacheSnapshotsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as applyRetention } from '../../../functions/apply-retention';
import { handler as checkBackup } from '../../../functions/check-backup';
import { handler as checkFreshness } from '../../../functions/check-freshness';
import { handler as listRetentionUnits } from '../../../functions/list-retention-units';
import { handler as notify } from '../../../functions/notify';
import { handler as planRun } from '../../../functions/plan-run';
import { handler as recordFailure } from '../../../functions/record-failure';
import { handler as releaseRunLock } from '../../../functions/release-run-lock';
import { handler as startBackup } from '../../../functions/start-backup';
import { handler as summarizeRetention } from '../../../functions/summarize-retention';
import { handler as summarizeRun } from '../../../functions/summarize-run';
import { useClock } from '../../../shared/clock';
import { parsePipelineConfig } from '../../../shared/config';
import { InvalidInputError } from '../../../shared/errors';
import { functionEnvironments } from '../../../shared/lambda/function-env';
import type { ResourceRef } from '../../../shared/resource';
import { TAG } from '../../../shared/tags';
import { captureSingleMetrics } from '../../support/metrics-capture';
import { answerOtherServicesEmpty } from '../../support/model-sdk-mocks';
import { startUnitDynalite, UNIT_TABLE as TEST_TABLE } from '../../support/unit-dynalite';

const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
/** No cache groups or cache snapshots in these estates: ElastiCache answers empty. */
const elasticache = mockClient(ElastiCacheClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
// Every other service answers an empty estate: its discovery in each Plan reaches no network.
answerOtherServicesEmpty([EC2Client, RDSClient, DynamoDBClient]);
/** The resource refs Plan wrote to S3 for the Map's ItemReader (its last PutObject). */
const itemsWritten = (): ResourceRef[] =>
  JSON.parse(String(s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body ?? 'null'));
const context = { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:f', awsRequestId: 'req-1' };
const NOW = new Date('2026-01-05T02:00:00.000Z');
let clock = NOW;
let table: Awaited<ReturnType<typeof startUnitDynalite>>;
let restoreClock: () => void;

beforeAll(async () => {
  table = await startUnitDynalite();
  for (const env of Object.values(
    functionEnvironments(parsePipelineConfig({}), {
      tableName: TEST_TABLE,
      topicArn: 'arn:aws:sns:eu-west-1:111122223333:t',
      bucketName: 'backups',
    }),
  )) {
    Object.assign(process.env, env);
  }
  restoreClock = useClock({ now: () => clock });
});
afterAll(async () => {
  restoreClock();
  await table.close();
});
beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  // No bucket is tagged for backup in these estates.
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  ec2.reset();
  rds.reset();
  elasticache.reset();
  elasticache.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [] });
  elasticache.on(DescribeCacheClustersCommand).resolves({ CacheClusters: [] });
  elasticache.on(DescribeCacheSnapshotsCommand).resolves({ Snapshots: [] });
  sns.reset();
  // Estates without Aurora unless a test says otherwise.
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  // Each test's Plan takes the tier's lock and none releases it: the run that holds it has ended.
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
  clock = NOW;
  process.env.NOTIFY_ON_SUCCESS = 'false';
});

let n = 0;
const planEvent = (input: unknown) => ({
  input,
  runId: `run-${++n}`,
  executionArn: `arn:aws:states:eu-west-1:111122223333:execution:m:run-${n}`,
  startedAt: NOW.toISOString(),
});

function emptyEstate() {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
}

/** A run of `tier` that took the tier's lock and, Step Functions says, still runs. */
async function runningHolder(tier: string) {
  emptyEstate();
  const holder = planEvent({ tier });
  await planRun(holder, context);
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  return holder;
}

describe('plan-run', () => {
  it('throws InvalidInputError for bad input and writes nothing', async () => {
    const event = planEvent({ tier: 'hourly' });
    await expect(planRun(event, context)).rejects.toThrow(InvalidInputError);
    expect(await table.store().getRun(event.runId)).toBeUndefined();
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
  });

  it('returns small refs and the map concurrency, and records one PENDING item per resource', async () => {
    emptyEstate();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          OwnerId: '111122223333',
          Instances: [
            {
              InstanceId: 'i-0123456789abcdef0',
              BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-1' } }],
              // The tags the filter matched: the driver re-checks them exactly.
              Tags: [{ Key: 'backup', Value: 'true' }],
            },
          ],
        },
      ],
    });
    const event = planEvent({});

    const plan = await planRun(event, context);

    expect(plan).toMatchObject({
      runId: event.runId,
      tier: 'daily',
      dryRun: false,
      maxConcurrency: 2_000,
      expiresAt: '2026-01-12T02:00:00.000Z',
      counts: { total: 1, selected: 1 },
    });
    expect(itemsWritten()).toEqual([
      {
        arn: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0',
        type: 'ec2-instance',
        region: 'eu-west-1',
        accountId: '111122223333',
        id: 'i-0123456789abcdef0',
      },
    ]);
    expect((await table.store().listResources(event.runId)).map((r) => r.status)).toEqual(['PENDING']);
  });

  it('records an explicit ARN that does not exist as FAILED instead of dropping it', async () => {
    rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('gone'), { name: 'DBInstanceNotFoundFault' }));
    const event = planEvent({ targets: { resources: ['arn:aws:rds:eu-west-1:111122223333:db:gone'] } });

    const plan = await planRun(event, context);
    expect(plan.items?.count).toBe(0);

    expect(itemsWritten()).toEqual([]);
    expect(await table.store().listResources(event.runId)).toEqual([
      expect.objectContaining({
        status: 'FAILED',
        error: expect.objectContaining({
          error: 'PlanFailed',
          cause: expect.stringContaining('ResourceNotFoundError'),
        }),
      }),
    ]);
  });
});

describe('plan-run with the run lock', () => {
  it('skips a start while another run of the tier still runs: SKIPPED record, RunsSkipped, nothing discovered or written', async () => {
    // Prepare: a daily run holds the lock and still runs.
    const first = await runningHolder('daily');
    ec2.resetHistory();
    s3.resetHistory();
    const captured = captureSingleMetrics();
    const second = planEvent({ tier: 'daily' });

    // Act
    const plan = await planRun(second, context);
    captured.restore();

    // Assess
    const holder = { runId: first.runId, executionArn: first.executionArn, startedAt: first.startedAt };
    expect(plan).toMatchObject({ runId: second.runId, tier: 'daily', items: null, skippedFor: holder });
    expect(captured.published).toEqual([{ name: 'RunsSkipped', tier: 'daily' }]);
    expect(await table.store().getRun(second.runId)).toMatchObject({
      status: 'SKIPPED',
      skippedFor: holder,
      finishedAt: NOW.toISOString(),
    });
    expect(await table.store().listResources(second.runId)).toEqual([]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  it('keeps a retried Plan of a skipped start skipped, even once the run it yielded to has ended', async () => {
    // Prepare: the second start was skipped; then the first run ends (without releasing, as if it died).
    const first = await runningHolder('yearly');
    const second = planEvent({ tier: 'yearly' });
    await planRun(second, context);
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    s3.resetHistory();

    // Act: Step Functions retries the second's Plan.
    const retried = await planRun(second, context);

    // Assess
    expect(retried).toMatchObject({ skipped: true, skippedFor: { runId: first.runId }, items: null });
    expect((await table.store().getRun(second.runId))?.status).toBe('SKIPPED');
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 0);
  });

  it('lets a dry run plan while the tier is locked, and takes no lock', async () => {
    // Prepare
    await runningHolder('weekly');

    // Act
    const plan = await planRun(planEvent({ tier: 'weekly', dryRun: true }), context);

    // Assess
    expect(plan.skippedFor).toBeNull();
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
  });

  it('release-run-lock frees the lock of its own run only, so the next start proceeds', async () => {
    // Prepare
    const first = await runningHolder('monthly');

    // Act
    const byOther = await releaseRunLock({ runId: 'someone-else', tier: 'monthly', dryRun: false }, context);
    const byOwner = await releaseRunLock({ runId: first.runId, tier: 'monthly', dryRun: false }, context);
    const next = await planRun(planEvent({ tier: 'monthly' }), context);

    // Assess
    expect(byOther).toEqual({ released: false });
    expect(byOwner).toEqual({ released: true });
    expect(next.skippedFor).toBeNull();
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
  });
});

describe('start-backup and check-backup', () => {
  it('start returns the loop state; check records progress, and fails the backup at its deadline with reason timeout', async () => {
    // Prepare
    emptyEstate();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          OwnerId: '111122223333',
          Instances: [
            {
              InstanceId: 'i-0123456789abcdef0',
              BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-1' } }],
              // The tags the filter matched: the driver re-checks them exactly.
              Tags: [{ Key: 'backup', Value: 'true' }],
            },
          ],
        },
      ],
    });
    const plan = await planRun(planEvent({}), context);
    const resource = itemsWritten()[0];
    ec2.on(CreateSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }] });
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'pending', Progress: '10%' }] });
    const item = { runId: plan.runId, tier: 'daily', expiresAt: plan.expiresAt, resource };

    // Act
    const started = await startBackup(item, context);
    clock = new Date(NOW.getTime() + 3600_000);
    const checked = await checkBackup({ runId: plan.runId, resource, backup: started }, context);
    // A daily backup's default deadline is 48 h (config.ts defaultDeadlineHours): at 25 h it still runs.
    clock = new Date(NOW.getTime() + 25 * 3600_000);
    const running = await checkBackup({ runId: plan.runId, resource, backup: checked }, context);
    clock = new Date(NOW.getTime() + 49 * 3600_000);
    const late = await checkBackup({ runId: plan.runId, resource, backup: running }, context);

    // Assess
    expect(started).toMatchObject({
      status: 'CREATING',
      backupIds: ['snap-1'],
      polls: 0,
      waitSeconds: 60,
      reason: null,
    });
    expect(checked).toMatchObject({ status: 'CREATING', progress: 10, polls: 1, waitSeconds: 21_600 });
    expect(running).toMatchObject({ status: 'CREATING', polls: 2 });
    expect(late).toMatchObject({
      status: 'FAILED',
      polls: 3,
      reason: expect.stringMatching(/^timeout: still 10% complete after 49\.0 h/),
    });
    expect(await table.store().getResource(plan.runId, resource?.arn ?? '')).toMatchObject({ polls: 3, progress: 10 });
  });

  it('rejects an event that does not match its schema (a contract bug, not a backup failure)', async () => {
    await expect(checkBackup({ runId: 'x' }, context)).rejects.toThrow(/check-backup: invalid event: resource/);
  });
});

describe('record-failure', () => {
  it('marks the resource FAILED and returns its status for the Map', async () => {
    emptyEstate();
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders',
          DBInstanceArn: 'arn:aws:rds:eu-west-1:111122223333:db:orders',
          TagList: [{ Key: 'backup', Value: 'true' }],
        },
      ],
    });
    const plan = await planRun(planEvent({}), context);
    const resource = itemsWritten()[0];
    const out = await recordFailure(
      {
        runId: plan.runId,
        tier: 'daily',
        resource,
        error: { Error: 'QuotaExceededError', Cause: 'RDS CreateDBSnapshot orders: SnapshotQuotaExceeded' },
      },
      context,
    );
    expect(out).toEqual({ status: 'FAILED', arn: resource?.arn });
    const summary = await summarizeRun({ runId: plan.runId }, context);
    expect(summary).toMatchObject({
      status: 'FAILED',
      failed: 1,
      cause: expect.stringContaining('QuotaExceededError'),
    });
  });
});

describe('notify', () => {
  async function runWith(status: 'COMPLETED' | 'FAILED') {
    emptyEstate();
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-0123456789abcdef0', State: 'available', Tags: [{ Key: 'backup', Value: 'true' }] }],
    });
    const plan = await planRun(planEvent({}), context);
    const arn = itemsWritten()[0]?.arn ?? '';
    if (status === 'COMPLETED') await table.store().complete(plan.runId, arn, NOW.toISOString());
    else await table.store().fail(plan.runId, arn, NOW.toISOString(), { error: 'BackupFailed', cause: 'snap error' });
    return plan.runId;
  }

  it('always publishes when a backup failed', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const runId = await runWith('FAILED');
    await expect(notify({ runId, summary: { failed: 1 } }, context)).resolves.toEqual({
      published: true,
      messageId: 'm-1',
      eventId: 'e-1',
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:t',
      Subject: 'backup-pipeline daily: 0/1 ok, 1 failed',
    });
  });

  it('always publishes a skipped start, naming the run still running and since when', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-s' });
    const first = await runningHolder('daily');
    const second = planEvent({ tier: 'daily' });
    await planRun(second, context);

    // Act
    const out = await notify({ runId: second.runId, summary: { failed: 0 } }, context);

    // Assess
    expect(out).toEqual({ published: true, messageId: 'm-s', eventId: 'e-1' });
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(message?.Subject).toBe(`backup-pipeline daily: run skipped, ${first.runId} still running`);
    expect(message?.Message).toContain(
      `daily run ${second.runId} skipped: run ${first.runId} still running since ${first.startedAt}`,
    );
    expect(message?.Message).toContain(first.executionArn);
  });

  it('stays quiet on success unless NOTIFY_ON_SUCCESS is true', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    const runId = await runWith('COMPLETED');
    await expect(notify({ runId, summary: { failed: 0 } }, context)).resolves.toEqual({
      published: false,
      eventId: 'e-1',
    });
    process.env.NOTIFY_ON_SUCCESS = 'true';
    await expect(notify({ runId, summary: { failed: 0 } }, context)).resolves.toEqual({
      published: true,
      messageId: 'm-2',
      eventId: 'e-1',
    });
  });

  it('puts one EventBridge event per run with the summary, successes included', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    const runId = await runWith('FAILED');
    await notify({ runId, summary: { failed: 1 } }, context);
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'default',
      Source: 'backup-pipeline',
      DetailType: 'Backup Run Completed',
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      runId,
      tier: 'daily',
      status: 'FAILED',
      counts: { total: 1, failed: 1 },
      failures: [{ error: 'BackupFailed', cause: 'snap error' }],
    });
  });

  it('fails (to be retried) when EventBridge refuses the event', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] });
    const runId = await runWith('COMPLETED');
    await expect(notify({ runId, summary: { failed: 0 } }, context)).rejects.toThrow(
      'EventBridge refused the run event: InternalFailure',
    );
  });

  it('maps SNS throttling to ThrottledError so the state machine retries', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('slow'), { name: 'ThrottledException' }));
    const runId = await runWith('FAILED');
    await expect(notify({ runId, summary: { failed: 1 } }, context)).rejects.toMatchObject({ name: 'ThrottledError' });
  });
});

describe('check-freshness', () => {
  it('reports every tier, with hours since its last successful run', async () => {
    const event = planEvent({ tier: 'monthly' });
    emptyEstate();
    await planRun(event, context);
    await summarizeRun({ runId: event.runId }, context);
    clock = new Date(NOW.getTime() + 5 * 3600_000);

    const out = await checkFreshness({}, context);

    expect(out.tiers.find((t) => t.tier === 'monthly')).toMatchObject({
      breached: false,
      rpoHours: 768,
      hoursSince: 5,
    });
    expect(out.tiers.map((t) => t.tier).sort()).toEqual(['daily', 'monthly', 'weekly', 'yearly']);
  });

  it('measures a tier that never succeeded from the deploy (the state table was created), not as 100,000 h', async () => {
    // Prepare: no yearly run yet; the pipeline was deployed when its table was created.
    const described = await table.client.send(new DescribeTableCommand({ TableName: TEST_TABLE }));
    const deployedAt = described.Table?.CreationDateTime?.getTime() ?? Number.NaN;

    // Act: right after deploy, and once the tier's RPO (8808 h) has passed without a run.
    clock = new Date(deployedAt + 5 * 3600_000);
    const early = (await checkFreshness({}, context)).tiers.find((t) => t.tier === 'yearly');
    clock = new Date(deployedAt + 8809 * 3600_000);
    const late = (await checkFreshness({}, context)).tiers.find((t) => t.tier === 'yearly');

    // Assess
    expect(early).toMatchObject({ lastSuccessAt: undefined, breached: false });
    expect(early?.hoursSince).toBeCloseTo(5, 3);
    expect(late).toMatchObject({ lastSuccessAt: undefined, breached: true });
    expect(late?.hoursSince).toBeCloseTo(8809, 3);
  });
});

describe('list-retention-units, apply-retention, summarize-retention', () => {
  const tagsFor = (expires: string) => [
    { Key: TAG.managedBy, Value: 'BackupPipeline' },
    { Key: TAG.runId, Value: `run-${expires.slice(0, 10)}` },
    { Key: TAG.source, Value: 'arn:src' },
    { Key: TAG.tier, Value: 'daily' },
    { Key: TAG.expiresAt, Value: expires },
  ];

  it('in a dry run deletes nothing and records what it would delete, with the rule', async () => {
    emptyEstate();
    const plan = await planRun(planEvent({ dryRun: true }), context);
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-new',
          State: 'completed',
          StartTime: new Date('2026-01-04'),
          Description: 'backup-pipeline daily run-2026-01-11 vol-1',
          Tags: tagsFor('2026-01-11T00:00:00Z'),
        },
        {
          SnapshotId: 'snap-old',
          State: 'completed',
          StartTime: new Date('2025-12-01'),
          Description: 'backup-pipeline daily run-2025-12-08 vol-1',
          Tags: tagsFor('2025-12-08T00:00:00Z'),
        },
      ],
    });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });

    const units = await listRetentionUnits({ runId: plan.runId }, context);
    for (const unit of units.units) {
      const cursor = { store: 0, page: 0, offset: 0, pass: 0 };
      const pass = await applyRetention(
        { runId: plan.runId, dryRun: true, decidedAt: units.decidedAt, unit, cursor },
        context,
      );
      expect(pass.done).toBe(true);
    }
    const out = await summarizeRetention({ runId: plan.runId, dryRun: true, units: units.units }, context);

    expect(out).toEqual({ dryRun: true, deleted: 1, kept: 1, failedDeletes: 0, deletedIds: ['snap-old'] });
    expect(ec2.commandCalls(DescribeSnapshotsCommand)).toHaveLength(1);
    const run = await table.store().getRun(plan.runId);
    expect(run?.retentionDecisions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'snap-old', action: 'delete', rule: 'expired at 2025-12-08T00:00:00.000Z' }),
      ]),
    );
  });
});
