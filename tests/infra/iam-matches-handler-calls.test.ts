/**
 * The IAM of each function, checked against what its handler really calls. The real ASL runs with the
 * real handlers in the workflow sandbox (AWS model behind the SDK clients, dynalite as the table);
 * every SDK call is attributed to the function that made it and asked of the synthesized policy,
 * conditions included. Then the reverse: every action granted must have been called (or be implied by
 * a call, e.g. CreateTags by TagSpecifications). A handler that starts calling something new fails
 * here, offline, instead of with AccessDenied in an account.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { handler as checkFreshness } from '../../functions/check-freshness';
import { buildApp } from '../../infra/bin/app';
import { BACKUP_TAG, DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../local/estates/fleet';
import { HANDLERS, type LocalHandler } from '../../local/handlers';
import { AwsApiError } from '../../local/model';
import type { AuthorizationLookup } from '../../local/model/authorization';
import { dynamoDocClient } from '../../shared/lambda/clients';
import { FUNCTION_NAMES, type FunctionName, type ScheduledFunctionName } from '../../shared/lambda/function-env';
import { recoveryBucketName } from '../../shared/names';
import { SDK_CLIENT_CLASSES } from '../../shared/services';
import { iamActionOf, impliedActionsOf, SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import { dynamoBackupName, parseBackupName } from '../../shared/services/dynamodb/dynamodb-table';
import { elasticacheSnapshotName } from '../../shared/services/elasticache/replication-group';
import { MODE_TAG } from '../../shared/services/modes';
import { rdsSnapshotIdentifier } from '../../shared/services/rds/rds-instance';
import { redshiftSnapshotIdentifier } from '../../shared/services/redshift/redshift-cluster';
import { RestorePointStore } from '../../shared/state/restore-points';
import { RestoreStore } from '../../shared/state/restore-store';
import { RunLockStore } from '../../shared/state/run-lock-store';
import { StateStore } from '../../shared/state/store';
import { RESTORE_TAG, TAG } from '../../shared/tags';
import { ACCOUNT, openSandbox, REGION, type Sandbox, STATE_MACHINE, TABLE } from '../support/workflow-sandbox';
import { actionsIn, allows, type CallContext, functionStatements } from './policy-helpers';

// The scenarios run every type's backups, copies, retention and restores (DynamoDB's twice more).
jest.setTimeout(120_000);

type Caller = FunctionName | ScheduledFunctionName;
interface Call extends CallContext {
  fn: Caller;
  /** The name that carries ownership of a resource that takes no tags (a DynamoDB on-demand backup). */
  resourceName?: string;
}

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as {
  context: Record<string, unknown> & { backupPipeline: { drills: Record<string, unknown> } };
};
/** A drill's validation function, named in the configuration so that its grant and its calls are checked. */
const VALIDATOR = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:drill-validator`;
const DRILLS = { ...cdkJson.context.backupPipeline.drills, validationFunctionArn: VALIDATOR };
const { stack } = buildApp(
  new App({
    context: {
      ...cdkJson.context,
      backupPipeline: { ...cdkJson.context.backupPipeline, drills: DRILLS },
      'aws:cdk:bundling-stacks': [],
    },
  }),
);
const template = Template.fromStack(stack);

/** lib-dynamodb command → the DynamoDB action IAM evaluates. */
const DOCUMENT_ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

const caller = new AsyncLocalStorage<Caller>();
const calls: Call[] = [];

/**
 * The SDK clients the stack's own grants are for (infra/constructs: the state table, the topic and its
 * key, the bus, the bucket, the state machine, a drill's validation function), by the IAM prefix of
 * their actions.
 */
const STACK_CLIENTS: Record<string, readonly { prototype: unknown }[]> = {
  dynamodb: [DynamoDBDocumentClient],
  sns: [SNSClient],
  kms: [KMSClient],
  events: [EventBridgeClient],
  s3: [S3Client],
  states: [SFNClient],
  lambda: [LambdaClient],
};

/**
 * The SDK clients whose calls are observed, by the IAM prefix of their actions: each service's (its
 * client.ts, gathered in shared/services/index.ts) and the stack's own.
 */
const CLIENTS: Record<string, readonly { prototype: unknown }[]> = Object.fromEntries(
  [...new Set([...Object.keys(SDK_CLIENT_CLASSES), ...Object.keys(STACK_CLIENTS)])].map((service) => [
    service,
    // A class both a service and the stack call through (S3Client) is observed once.
    [...new Set([...(SDK_CLIENT_CLASSES[service] ?? []), ...(STACK_CLIENTS[service] ?? [])])],
  ]),
);

/** Actions AWS evaluates on behalf of the stack's own calls (each service declares its own: impliedActions). */
const STACK_IMPLIED: Record<string, CallContext[]> = {
  // The topic is encrypted with a customer key: the publisher needs the key too.
  'sns:Publish': [{ action: 'kms:GenerateDataKey' }, { action: 'kms:Decrypt' }],
};

/** Records every command a pipeline handler sends; the command still goes to the model or dynalite. */
function observeCalls(sandbox: Sandbox): () => void {
  type Send = (this: unknown, command: unknown, ...rest: unknown[]) => unknown;
  const clients = Object.entries(CLIENTS).flatMap(([service, list]) =>
    list.map((client) => [client, service] as const),
  );
  const spies = clients.map(([client, service]) => {
    const prototype = client.prototype as { send: Send };
    const original = prototype.send; // the aws-sdk-client-mock stub for EC2/RDS/SNS/EventBridge
    return jest.spyOn(prototype, 'send').mockImplementation(function (this: unknown, command, ...rest) {
      const fn = caller.getStore();
      if (fn) calls.push({ fn, ...describeCall(sandbox, service, command) });
      return original.call(this, command, ...rest);
    });
  });
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

function describeCall(sandbox: Sandbox, service: string, command: unknown): Omit<Call, 'fn'> {
  const name = (command as object).constructor.name.replace(/Command$/, '');
  const input = (command as { input: Record<string, unknown> }).input;
  // Lambda's Invoke is authorized as lambda:InvokeFunction.
  const operation =
    service === 'dynamodb'
      ? (DOCUMENT_ACTIONS[name] ?? name)
      : service === 'lambda' && name === 'Invoke'
        ? 'InvokeFunction'
        : name;
  // A call authorized as another action than its name (S3 ListBuckets: s3:ListAllMyBuckets), as its service declares.
  const call: Omit<Call, 'fn'> = { action: iamActionOf(service, operation), homeRegion: REGION };
  if (service === 'dynamodb' && typeof input.IndexName === 'string') call.indexName = input.IndexName;
  if (service === 's3' && typeof input.Key === 'string') call.objectKey = input.Key;
  if (service === 's3' && typeof input.Bucket === 'string' && typeof input.Key === 'string') call.bucket = input.Bucket;
  // A bucket call (no key) names its bucket: the statement's bucket pattern must cover it.
  if (service === 's3' && typeof input.Bucket === 'string' && typeof input.Key !== 'string')
    call.resourceArn = `arn:aws:s3:::${input.Bucket}`;
  if (service === 'states' && typeof input.executionArn === 'string') call.executionArn = input.executionArn;
  // What IAM sees of the resource the call names (its tags, its name, its target table): the model of
  // the service that holds it answers (local/model/authorization.ts).
  for (const backend of Object.values(sandbox.model.services) as Partial<AuthorizationLookup>[]) {
    const seen = backend.authorizationContext?.(REGION, call.action, input);
    if (seen) Object.assign(call, seen);
  }
  return call;
}

/**
 * Actions AWS evaluates on behalf of a call, beyond the call's own action: each service's (its
 * permissions.ts, `impliedActions`) and the stack's own.
 */
function impliedBy(call: CallContext): CallContext[] {
  return [
    ...impliedActionsOf(call.action).map((implied) => ({
      action: implied.action,
      ...(implied.keys ? { keys: { ...implied.keys } } : {}),
      ...(implied.onTargetTable && call.tableName !== undefined ? { tableName: call.tableName } : {}),
    })),
    ...(STACK_IMPLIED[call.action] ?? []),
  ];
}

const lambdaContext = (fn: string) => ({
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`,
  awsRequestId: 'iam-test',
  functionName: fn,
});
const tagged = (name: string) => [{ Key: 'Name', Value: name }, BACKUP_TAG];
const ours = (now: number, daysAgo: number, source: string) => [
  { Key: TAG.managedBy, Value: 'BackupPipeline' },
  { Key: TAG.source, Value: source },
  { Key: TAG.tier, Value: 'daily' },
  { Key: TAG.runId, Value: `old-${daysAgo}` },
  { Key: TAG.expiresAt, Value: new Date(now - (daysAgo - 7) * 86_400_000).toISOString() },
];

/** Wraps each handler so the calls it makes are attributed to its function. */
const attributed = Object.fromEntries(
  FUNCTION_NAMES.map((name) => [
    name,
    ((event, context) => caller.run(name, () => HANDLERS[name](event, context))) satisfies LocalHandler,
  ]),
) as Record<FunctionName, LocalHandler>;

describe('IAM against the calls the handlers make', () => {
  let sandbox: Sandbox;
  const results: { status: string }[] = [];
  const restoreResults: { status: string; error?: string; cause?: string }[] = [];
  const diedResults: { status: string }[] = [];

  beforeAll(async () => {
    // Prepare: a fleet with every resource type, a database that cannot be snapshotted (so a failure is
    // recorded and notified), an instance backed up as an AMI, backups old enough for retention (EBS, RDS,
    // one held by a foreign AMI, an AMI of ours with its snapshots).
    sandbox = await openSandbox();
    // A recovery region, with the bucket its recovery stack deploys: exports are copied there.
    await sandbox.reset({ config: { drills: DRILLS, recovery: { homeRegion: REGION, regions: [DR_REGION] } } });
    sandbox.model.createBucket(DR_REGION, recoveryBucketName(sandbox.config.stackName, ACCOUNT, DR_REGION));
    sandbox.model.addFunction(REGION, 'drill-validator', () => ({ passed: true }));
    const instance = sandbox.model.addInstance(REGION, { Tags: tagged('web'), volumes: [{ Size: 8 }, { Size: 20 }] });
    const builder = sandbox.model.addInstance(REGION, {
      Tags: [...tagged('builder'), { Key: MODE_TAG, Value: 'ami' }],
      volumes: [{ Size: 8 }],
    });
    const volume = sandbox.model.addVolume(REGION, { Size: 50, Tags: tagged('data') });
    sandbox.model.addDbInstance(REGION, { DBInstanceIdentifier: 'orders', TagList: tagged('orders') });
    sandbox.model.addDbInstance(REGION, {
      DBInstanceIdentifier: 'legacy',
      status: 'stopped',
      TagList: tagged('legacy'),
    });
    const now = sandbox.scheduler.nowMs();
    const volumeArn = `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${volume.VolumeId}`;
    const old = (days: number) =>
      sandbox.model.addExistingSnapshot(REGION, {
        VolumeId: volume.VolumeId,
        startMs: now - days * 86_400_000,
        Description: `backup-pipeline daily old-${days} ${volume.VolumeId}`,
        Tags: ours(now, days, volumeArn),
      }).SnapshotId;
    // The expired snapshot has its restore point, which retention removes with it (GetItem, UpdateItem, DeleteItem).
    const expired = old(30);
    await new RestorePointStore(dynamoDocClient(), TABLE).save({
      arn: volumeArn,
      type: 'ebs-volume',
      region: REGION,
      resourceId: volume.VolumeId,
      runId: 'old-30',
      tier: 'daily',
      backupIds: [expired],
      completedAt: new Date(now - 30 * 86_400_000).toISOString(),
      copies: [],
    });
    sandbox.model.addImage(REGION, { Name: 'golden', snapshotIds: [old(20)], Tags: [] });
    const builderArn = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${builder.InstanceId}`;
    const oldAmiSnapshot = sandbox.model.addExistingSnapshot(REGION, {
      VolumeId: builder.volumeIds[0] ?? '',
      startMs: now - 30 * 86_400_000,
      Description: `Created by CreateImage(${builder.InstanceId}) for ami-00000000000000b1d`,
      Tags: ours(now, 30, builderArn),
    }).SnapshotId;
    sandbox.model.addImage(REGION, {
      Name: 'bp-old-builder',
      snapshotIds: [oldAmiSnapshot],
      Tags: ours(now, 30, builderArn),
      creationMs: now - 30 * 86_400_000,
    });
    seedDrKey(sandbox.model);
    // An Aurora cluster selected through its tagged member instance, and an expired cluster snapshot.
    sandbox.model.addDbCluster(REGION, { DBClusterIdentifier: 'ledger', memberTags: tagged('ledger-1') });
    // A stopped cluster: its snapshot is refused, and Start describes it to say why.
    sandbox.model.addDbCluster(REGION, {
      DBClusterIdentifier: 'archive',
      status: 'stopped',
      TagList: tagged('archive'),
    });
    // DynamoDB: one table backed up, one exported (PITR on), and an expired on-demand backup of ours;
    // both under a customer managed key, so their restores and imports use it through DynamoDB.
    sandbox.model.addKmsKey(REGION, { alias: 'tables-data' });
    sandbox.model.addDynamoTable(REGION, {
      TableName: 'sessions',
      kmsKeyId: 'alias/tables-data',
      Tags: tagged('sessions'),
    });
    sandbox.model.addDynamoTable(REGION, {
      TableName: 'clicks',
      kmsKeyId: 'alias/tables-data',
      pitr: true,
      Tags: [...tagged('clicks'), { Key: 'backup-pipeline:mode', Value: 'export' }],
    });
    sandbox.model.addExistingDynamoBackup(REGION, {
      TableName: 'sessions',
      BackupName: dynamoBackupName({
        stackName: 'BackupPipeline',
        runId: 'old-30',
        tier: 'daily',
        sourceArn: sandbox.model.dynamoTableArn(REGION, 'sessions'),
        expiresAt: new Date(now - 23 * 86_400_000).toISOString(),
      }),
      startMs: now - 30 * 86_400_000,
    });
    // S3: a versioned bucket with objects; its backup sets replication up and starts a job, its drill restores it.
    sandbox.model.addBucket(REGION, 'iam-orders', { tags: tagged('iam-orders'), versioning: 'Enabled' });
    sandbox.model.writeObjects('iam-orders', { prefix: 'a/', to: 10 });
    sandbox.model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: rdsSnapshotIdentifier('old-30', 'ledger'),
      DBClusterIdentifier: 'ledger',
      startMs: now - 30 * 86_400_000,
      TagList: ours(now, 30, sandbox.model.dbClusterArn(REGION, 'ledger')),
    });
    // Redshift: a cluster that copies its snapshots to the DR region under a grant (Start copy reads that,
    // Check copy tags the copy there), a paused one (its refusal is judged by a describe), and an
    // expired snapshot of ours for retention.
    const dwKey = sandbox.model.addKmsKey(REGION, { alias: 'warehouse' });
    sandbox.model.addRedshiftCluster(REGION, {
      ClusterIdentifier: 'warehouse',
      KmsKeyId: dwKey.Arn,
      Tags: tagged('warehouse'),
    });
    const dwDrKey = sandbox.model.addKmsKey(DR_REGION, { alias: 'warehouse-dr' });
    sandbox.model.createSnapshotCopyGrant(DR_REGION, { SnapshotCopyGrantName: 'dw', KmsKeyId: dwDrKey.Arn });
    sandbox.model.enableSnapshotCopy(REGION, {
      ClusterIdentifier: 'warehouse',
      DestinationRegion: DR_REGION,
      SnapshotCopyGrantName: 'dw',
    });
    sandbox.model.addRedshiftCluster(REGION, {
      ClusterIdentifier: 'dormant',
      status: 'paused',
      Tags: tagged('dormant'),
    });
    sandbox.model.addExistingClusterSnapshot(REGION, {
      SnapshotIdentifier: redshiftSnapshotIdentifier('old-30', 'warehouse'),
      ClusterIdentifier: 'warehouse',
      startMs: now - 30 * 86_400_000,
      Tags: ours(now, 30, sandbox.model.redshiftClusterArn(REGION, 'warehouse')),
    });
    // ElastiCache: a group with a read replica, a Memcached cluster (SKIPPED, with why), an expired
    // snapshot of ours, and the drills' isolated cache subnet group.
    sandbox.model.addReplicationGroup(REGION, { ReplicationGroupId: 'carts', replicas: 1, Tags: tagged('carts') });
    sandbox.model.addMemcachedCluster(REGION, { CacheClusterId: 'pages', Tags: tagged('pages') });
    sandbox.model.addCacheSubnetGroup(REGION, 'backup-drills');
    sandbox.model.addExistingCacheSnapshot(REGION, {
      SnapshotName: elasticacheSnapshotName('old-30', 'carts'),
      ReplicationGroupId: 'carts',
      startMs: now - 30 * 86_400_000,
      Tags: ours(now, 30, sandbox.model.replicationGroupArn(REGION, 'carts')),
    });
    sandbox.model.addExistingDbSnapshot(REGION, {
      DBSnapshotIdentifier: rdsSnapshotIdentifier('old-30', 'orders'),
      DBInstanceIdentifier: 'orders',
      startMs: now - 30 * 86_400_000,
      TagList: ours(now, 30, sandbox.model.dbInstanceArn(REGION, 'orders')),
    });

    // Each start "crashes" once after creating its backup and before recording it, so the retry takes
    // the find-what-an-earlier-attempt-started path (DESIGN §7) and its calls are checked too.
    const crashed = new Set<string>();
    const saveBackup = StateStore.prototype.saveBackup;
    const crashOnce = jest.spyOn(StateStore.prototype, 'saveBackup').mockImplementation(async function (
      this: StateStore,
      runId,
      arn,
      backup,
    ) {
      if (!crashed.has(`${runId}|${arn}`)) {
        crashed.add(`${runId}|${arn}`);
        throw Object.assign(new Error('simulated crash after the create call'), { name: 'Lambda.Unknown' });
      }
      return saveBackup.call(this, runId, arn, backup);
    });
    // The standalone volume's copy to the DR region is refused: its backup completed, so Record failure
    // saves its restore point (a backup whose copy failed is still restorable in its own region).
    const copySnapshot = sandbox.model.copySnapshot;
    const refuseCopy = jest
      .spyOn(sandbox.model, 'copySnapshot')
      .mockImplementation((region: string, input: Parameters<typeof copySnapshot>[1]) => {
        const source = sandbox.model
          .snapshots(input.SourceRegion ?? REGION)
          .find((snapshot) => snapshot.SnapshotId === input.SourceSnapshotId);
        if (source?.VolumeId === volume.VolumeId)
          throw new AwsApiError('InvalidParameterValue', 'simulated: this copy is refused');
        return copySnapshot.call(sandbox.model, region, input);
      });
    const stopObserving = observeCalls(sandbox);
    try {
      // Act: one scheduled-style run by tags, one run naming resources by ARN, one freshness check.
      results.push(await sandbox.run({ tier: 'daily' }, 'iam-by-tags', { handlers: attributed }));
      // A weekly run that died holding its tier's lock: the next weekly Plan asks Step Functions about
      // it (DescribeExecution) and takes the lock over.
      await new RunLockStore(dynamoDocClient(), TABLE).put({
        tier: 'weekly',
        runId: 'iam-crashed',
        executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:iam-crashed`,
        startedAt: new Date(now - 86_400_000).toISOString(),
        takenAt: new Date(now - 86_400_000).toISOString(),
      });
      results.push(
        await sandbox.run(
          {
            tier: 'weekly',
            targets: {
              resources: [
                `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instance.InstanceId}`,
                volumeArn,
                sandbox.model.dbInstanceArn(REGION, 'orders'),
                sandbox.model.dbClusterArn(REGION, 'ledger'),
                sandbox.model.dynamoTableArn(REGION, 'sessions'),
                sandbox.model.dynamoTableArn(REGION, 'clicks'),
                sandbox.model.replicationGroupArn(REGION, 'carts'),
                builderArn,
                sandbox.model.redshiftClusterArn(REGION, 'warehouse'),
                `arn:aws:s3:${REGION}:${ACCOUNT}:bucket/iam-orders`,
              ],
            },
            // Copies of every type that copies (the exported table's: a second export into the recovery
            // bucket; a SKIPPED one for the backed-up table), encrypted under the DR key.
            copyTo: [{ region: DR_REGION, kmsKeyId: DR_KEY_ALIAS }],
          },
          'iam-by-arn',
          { handlers: attributed },
        ),
      );
      // A start delivered again for a backup already recorded FAILED is refused, naming its status.
      const legacy = {
        arn: sandbox.model.dbInstanceArn(REGION, 'legacy'),
        type: 'rds-instance',
        region: REGION,
        accountId: ACCOUNT,
        id: 'legacy',
      };
      const again = { runId: 'iam-by-tags', tier: 'daily', expiresAt: new Date(now).toISOString(), resource: legacy };
      await expect(
        caller.run('start-backup', () => HANDLERS['start-backup'](again, lambdaContext('start-backup'))),
      ).rejects.toThrow(/record is FAILED/);
      await caller.run('check-freshness', () => checkFreshness({}));
      // Restore drills of every type and mode from the runs above: start, check, and clean-up calls
      // (the tag conditions on every delete included), record and notify.
      const points = [
        ...(await sandbox.store.listResources('iam-by-arn')),
        ...(await sandbox.store.listResources('iam-by-tags')),
      ].filter((r) => r.status === 'COMPLETED');
      // An operator's restore by backup id (not a drill: nothing is cleaned up).
      const [first] = points;
      if (first?.backupIds?.[0])
        restoreResults.push(
          await sandbox.restore({ backupId: first.backupIds[0], name: 'iam-restored-by-id' }, 'iam-restore-by-id', {
            handlers: attributed,
          }),
        );
      const drilled = new Set<string>();
      for (const point of points) {
        if (drilled.has(point.arn)) continue;
        drilled.add(point.arn);
        restoreResults.push(
          await sandbox.restore({ resource: point.arn, latest: true, drill: true }, `iam-drill-${drilled.size}`, {
            handlers: attributed,
          }),
        );
      }
      // S3: an operator's restore of the bucket into a new bucket, then its start delivered again (a
      // retry finds its manifest and its bucket by the restore-id tag, and gets the same job).
      const bucketPoint = points.find((p) => p.type === 's3-bucket');
      if (bucketPoint) {
        restoreResults.push(
          await sandbox.restore(
            { resource: bucketPoint.arn, latest: true, name: 'iam-orders-restored-op' },
            'iam-bucket-1',
            {
              handlers: attributed,
            },
          ),
        );
        const record = await new RestoreStore(dynamoDocClient(), TABLE).get('iam-bucket-1');
        if (!record) throw new Error('restore iam-bucket-1 has no record');
        const plan = {
          ...record,
          mode: record.mode ?? null,
          placement: null,
          settings: bucketPoint.restoreSettings ?? {},
          keepSeconds: 0,
        };
        await attributed['start-restore']({ restore: plan }, lambdaContext('start-restore'));
      }
      // DynamoDB: an operator's restore of each table, then its start delivered again once the table
      // is ACTIVE and tagged (a retried start reads what it finds under the name: tags, imports).
      const tables = [...new Map(points.filter((p) => p.type === 'dynamodb-table').map((p) => [p.arn, p])).values()];
      for (const [i, point] of tables.entries()) {
        const restoreId = `iam-table-${i + 1}`;
        restoreResults.push(
          await sandbox.restore({ resource: point.arn, latest: true, name: `iam-${i + 1}-restored-t` }, restoreId, {
            handlers: attributed,
          }),
        );
        const record = await new RestoreStore(dynamoDocClient(), TABLE).get(restoreId);
        if (!record) throw new Error(`restore ${restoreId} has no record`);
        const plan = {
          ...record,
          mode: record.mode ?? null,
          placement: null,
          settings: point.restoreSettings ?? {},
          keepSeconds: 0,
        };
        await attributed['start-restore']({ restore: plan }, lambdaContext('start-restore'));
      }
      // ElastiCache: an operator's restore of the group, then its start delivered again (a retry finds
      // the group it made by its restore-id tag, read with ListTagsForResource).
      const carts = points.find((p) => p.type === 'elasticache-replication-group');
      if (carts) {
        restoreResults.push(
          await sandbox.restore({ resource: carts.arn, latest: true, name: 'iam-carts' }, 'iam-cache-1', {
            handlers: attributed,
          }),
        );
        const record = await new RestoreStore(dynamoDocClient(), TABLE).get('iam-cache-1');
        if (!record) throw new Error('restore iam-cache-1 has no record');
        const plan = { ...record, mode: null, placement: null, settings: carts.restoreSettings ?? {}, keepSeconds: 0 };
        await attributed['start-restore']({ restore: plan }, lambdaContext('start-restore'));
      }
      // DynamoDB drills whose start dies after the create (retried, then caught): the record names the
      // table, which nothing tagged; the clean-up proves it its own (an import by its client token, found
      // with ListImports), tags it and deletes it.
      const update = RestoreStore.prototype.update;
      const dies = jest.spyOn(RestoreStore.prototype, 'update').mockImplementation(async function (
        this: RestoreStore,
        restoreId,
        fields,
      ) {
        const [name] = fields.restoredIds ?? [];
        if (name && sandbox.model.hasDynamoTable(REGION, name))
          throw Object.assign(new Error('simulated: start died after the create'), { name: 'Lambda.Unknown' });
        return update.call(this, restoreId, fields);
      });
      try {
        for (const [i, point] of tables.entries())
          diedResults.push(
            await sandbox.restore({ resource: point.arn, latest: true, drill: true }, `iam-died-${i + 1}`, {
              handlers: attributed,
            }),
          );
      } finally {
        dies.mockRestore();
      }
      // Restores of the DR-region copies, all under the customer managed copyTo key: EC2 (CreateVolume,
      // RunInstances) and RDS (the restores, the Aurora writer) use it for the restoring function.
      for (const [n, arn] of [
        `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${instance.InstanceId}`,
        builderArn,
        sandbox.model.dbInstanceArn(REGION, 'orders'),
        sandbox.model.dbClusterArn(REGION, 'ledger'),
      ].entries()) {
        restoreResults.push(
          await sandbox.restore({ resource: arn, latest: true, region: DR_REGION }, `iam-dr-${n + 1}`, {
            handlers: attributed,
          }),
        );
      }
    } finally {
      stopObserving();
      crashOnce.mockRestore();
      refuseCopy.mockRestore();
    }
    // Each key use AWS evaluates for a service acting for a function (copies, restores), as the model
    // asked it: the action, the key and the request's condition keys.
    calls.push(
      ...sandbox.keyUses.map((use) => ({
        fn: use.fn,
        action: use.action,
        keys: use.keys,
        resourceArn: use.keyArn,
        account: ACCOUNT,
        homeRegion: REGION,
      })),
    );
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('observes the SDK client of every service that has permission data', () => {
    expect(Object.keys(SERVICE_PERMISSIONS).filter((service) => !CLIENTS[service])).toEqual([]);
  });

  it('ran the scenarios it relies on: a failed backup, a retried and a refused start, retention deletes, drills of every type', () => {
    // By tags: the stopped database fails; by ARN: the volume's refused copy fails the run.
    expect(results.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
    expect(restoreResults.length).toBeGreaterThanOrEqual(8);
    expect(restoreResults.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    expect(diedResults.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
    expect(calls.filter((c) => c.fn === 'start-backup' && c.action === 'dynamodb:GetItem')).not.toEqual([]);
    const actions = new Set(calls.map((c) => `${c.fn} ${c.action}`));
    for (const expected of [
      'record-failure dynamodb:UpdateItem',
      'record-failure dynamodb:PutItem',
      'notify sns:Publish',
      'start-backup ec2:DescribeSnapshots',
      'start-backup rds:DescribeDBSnapshots',
      'apply-retention ec2:DeleteSnapshot',
      'apply-retention dynamodb:UpdateItem',
      'apply-retention dynamodb:DeleteItem',
      'apply-retention rds:DeleteDBSnapshot',
      'apply-retention rds:DeleteDBClusterSnapshot',
      'start-backup rds:CreateDBClusterSnapshot',
      'start-backup rds:DescribeDBClusterSnapshots',
      'plan-run rds:DescribeDBClusters',
      'plan-run dynamodb:DescribeTable',
      'start-backup dynamodb:CreateBackup',
      'start-backup dynamodb:ExportTableToPointInTime',
      'check-backup dynamodb:DescribeExport',
      'start-copies dynamodb:ExportTableToPointInTime',
      'start-copies dynamodb:DescribeExport',
      'check-copies dynamodb:DescribeExport',
      'apply-retention dynamodb:DeleteBackup',
      'plan-run ec2:DescribeRegions',
      'plan-run kms:DescribeKey',
      'start-copies ec2:CopySnapshot',
      'start-copies ec2:CopyImage',
      'check-copies ec2:DescribeImages',
      'start-copies rds:CopyDBSnapshot',
      'start-copies rds:CopyDBClusterSnapshot',
      'start-copies kms:CreateGrant',
      'start-restore kms:CreateGrant',
      'start-restore kms:GenerateDataKeyWithoutPlaintext',
      'start-restore kms:Encrypt',
      'start-restore kms:GenerateDataKey',
      'check-restore kms:CreateGrant',
      'check-copies ec2:DescribeSnapshots',
      'apply-retention ec2:DescribeImages',
      'start-backup ec2:DescribeInstances',
      'start-backup ec2:CreateImage',
      'start-backup ec2:DescribeImages',
      'check-backup ec2:DescribeImages',
      'apply-retention ec2:DeregisterImage',
      'check-freshness dynamodb:Query',
      'check-freshness dynamodb:DescribeTable',
      'plan-run dynamodb:GetItem',
      'plan-run states:DescribeExecution',
      'release-run-lock dynamodb:DeleteItem',
      'plan-restore dynamodb:GetItem',
      'start-restore ec2:CreateVolume',
      'start-restore ec2:RunInstances',
      'start-restore rds:RestoreDBInstanceFromDBSnapshot',
      'start-restore rds:RestoreDBClusterFromSnapshot',
      'check-restore rds:CreateDBInstance',
      'start-restore dynamodb:RestoreTableFromBackup',
      'start-restore dynamodb:ImportTable',
      'clean-up-restore ec2:DeleteVolume',
      'clean-up-restore ec2:TerminateInstances',
      'clean-up-restore rds:DeleteDBInstance',
      'clean-up-restore rds:DeleteDBCluster',
      'clean-up-restore dynamodb:DeleteTable',
      'start-backup elasticache:CreateSnapshot',
      'start-backup elasticache:DescribeSnapshots',
      'plan-run elasticache:DescribeCacheClusters',
      'apply-retention elasticache:DeleteSnapshot',
      'start-restore elasticache:CreateReplicationGroup',
      'start-restore elasticache:ListTagsForResource',
      'clean-up-restore elasticache:DeleteReplicationGroup',
      'check-restore dynamodb:TagResource',
      'start-restore dynamodb:ListTagsOfResource',
      'start-restore dynamodb:ListImports',
      'clean-up-restore dynamodb:TagResource',
      'clean-up-restore dynamodb:ListImports',
      'validate-restore lambda:InvokeFunction',
      'plan-run redshift:DescribeClusters',
      'start-backup redshift:CreateClusterSnapshot',
      'start-backup redshift:DescribeClusterSnapshots',
      'start-backup redshift:DescribeClusters',
      'check-backup redshift:DescribeClusterSnapshots',
      'start-copies redshift:DescribeClusters',
      'check-copies redshift:CreateTags',
      'apply-retention redshift:DeleteClusterSnapshot',
      'start-restore redshift:RestoreFromClusterSnapshot',
      'start-restore redshift:CreateTags',
      'clean-up-restore redshift:DeleteCluster',
      'notify-restores sns:Publish',
    ]) {
      expect(actions).toContain(expected);
    }
  });

  it.each([...FUNCTION_NAMES, 'check-freshness' as const].map((n) => [n]))(
    'allows every call %s makes, conditions and index included',
    (name) => {
      const statements = functionStatements(stack, template, name);
      const made = calls.filter((c) => c.fn === name).flatMap((c) => [c, ...impliedBy(c)]);
      expect(made.length).toBeGreaterThan(0);
      const denied = made.filter((c) => !allows(statements, c));
      expect(denied).toEqual([]);
    },
  );

  it.each([...FUNCTION_NAMES, 'check-freshness' as const].map((n) => [n]))(
    'grants %s no action its handler never calls',
    (name) => {
      const used = new Set(
        calls
          .filter((c) => c.fn === name)
          .flatMap((c) => [c, ...impliedBy(c)])
          .map((c) => c.action),
      );
      const granted = functionStatements(stack, template, name)
        .flatMap(actionsIn)
        // Log delivery and X-Ray trace upload are the Lambda runtime's, not the handler's.
        .filter((a) => !/^(logs|xray):/.test(a));
      expect(granted.filter((a) => !used.has(a))).toEqual([]);
    },
  );

  it("lets Plan write each run's item list in the bucket, and no other key", () => {
    const writes = calls.filter((c) => c.fn === 'plan-run' && c.action === 's3:PutObject');
    expect(writes.length).toBeGreaterThanOrEqual(1);
    const statements = functionStatements(stack, template, 'plan-run');
    for (const call of writes) {
      expect(call.objectKey).toMatch(/^runs\/[^/]+\/items\.json$/);
      expect(allows(statements, call)).toBe(true);
    }
    expect(allows(statements, { action: 's3:PutObject', objectKey: 'dynamodb-exports/daily/t/x' })).toBe(false);
    expect(allows(statements, { action: 's3:PutObject', objectKey: 'runs/r/results/manifest.json' })).toBe(false);
  });

  it("lets Plan describe only its own state machine's executions (the run lock's holder)", () => {
    const described = calls.filter((c) => c.fn === 'plan-run' && c.action === 'states:DescribeExecution');
    expect(described.length).toBeGreaterThanOrEqual(1);
    const statements = functionStatements(stack, template, 'plan-run');
    for (const call of described) expect(allows(statements, call)).toBe(true);
    const execution = (machine: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}`;
    expect(allows(statements, { action: 'states:DescribeExecution', executionArn: execution('Other:run-1') })).toBe(
      false,
    );
    expect(
      allows(statements, { action: 'states:DescribeExecution', executionArn: execution('BackupPipeline-backup-x:r') }),
    ).toBe(false);
  });

  it('deletes only backups whose managed-by tag names this stack, which is what the policy requires', () => {
    // The run lock and the restore points are state-table items, not backups; a drill's clean-up deletes
    // restores (below).
    const deletes = calls.filter(
      (c) =>
        /:(Delete|Deregister)/.test(c.action) &&
        c.action !== 'dynamodb:DeleteItem' &&
        c.fn !== 'release-run-lock' &&
        c.fn !== 'clean-up-restore',
    );
    expect(deletes.length).toBeGreaterThanOrEqual(5);
    expect(deletes.map((c) => c.action)).toContain('ec2:DeregisterImage');
    // DynamoDB on-demand backups cannot be tagged: ownership is in the name, checked by the handler.
    const tagged = deletes.filter((c) => c.action !== 'dynamodb:DeleteBackup');
    for (const call of tagged) expect(call.resourceTags?.[TAG.managedBy]).toBe('BackupPipeline');
    for (const call of deletes.filter((c) => c.action === 'dynamodb:DeleteBackup')) {
      expect(parseBackupName(call.resourceName)?.stackName).toBe('BackupPipeline');
    }
    const statements = functionStatements(stack, template, 'apply-retention');
    for (const call of tagged) {
      expect(
        allows(statements, { ...call, resourceTags: { ...call.resourceTags, [TAG.managedBy]: 'SomeoneElse' } }),
      ).toBe(false);
    }
  });

  it('lets start-restore write items only to tables named as restores, never to every table', () => {
    // Prepare
    const statements = functionStatements(stack, template, 'start-restore');
    const restored = calls.filter((c) => c.fn === 'start-restore' && c.action === 'dynamodb:RestoreTableFromBackup');
    const write = (tableName: string) => ({ action: 'dynamodb:PutItem', tableName });

    // Assess: the tables restored were writable; any other table, the state table's name included, is not.
    expect(restored.length).toBeGreaterThan(0);
    for (const call of restored) expect(allows(statements, write(call.tableName ?? ''))).toBe(true);
    expect(allows(statements, write('orders'))).toBe(false);
    expect(allows(statements, write('BackupPipeline-State'))).toBe(false);
  });

  it("deletes only what a drill of this stack restored, which is what the clean-up's policy requires", () => {
    // Prepare
    const statements = functionStatements(stack, template, 'clean-up-restore');
    const all = calls.filter((c) => c.fn === 'clean-up-restore' && /:(Delete|Terminate)/.test(c.action));
    // S3 buckets: bucket tags are not IAM conditions unless ABAC is enabled on the bucket (S3 User Guide,
    // "Enabling ABAC in general purpose buckets"), so their deletes are bounded by the restored name
    // (`-restored-`, which every restore's bucket carries) and the handler's restored-by check.
    const deletes = all.filter((c) => !c.action.startsWith('s3:'));
    const bucketDeletes = all.filter((c) => c.action.startsWith('s3:'));
    expect(new Set(bucketDeletes.map((c) => c.action))).toEqual(new Set(['s3:DeleteBucket', 's3:DeleteObjectVersion']));
    for (const call of bucketDeletes) {
      expect(call.resourceArn ?? `${call.bucket}/`).toMatch(/-restored-/);
      expect(allows(statements, call)).toBe(true);
      expect(allows(statements, { ...call, resourceArn: 'arn:aws:s3:::orders', bucket: 'orders' })).toBe(false);
    }

    // Assess: every type's delete was made, on a resource tagged as a drill's of this stack.
    expect(new Set(deletes.map((c) => c.action))).toEqual(
      new Set([
        'ec2:DeleteVolume',
        'ec2:TerminateInstances',
        'rds:DeleteDBInstance',
        'rds:DeleteDBCluster',
        'dynamodb:DeleteTable',
        'redshift:DeleteCluster',
        'elasticache:DeleteReplicationGroup',
      ]),
    );
    for (const call of deletes) {
      expect(call.resourceTags?.[RESTORE_TAG.restoredBy]).toBe('BackupPipeline@eu-west-1');
      expect(call.resourceTags?.[RESTORE_TAG.drill]).toBe('true');
      // The same delete of another stack's restore, of an operator's restore, or of an untagged resource is denied.
      const tags = call.resourceTags ?? {};
      expect(
        allows(statements, { ...call, resourceTags: { ...tags, [RESTORE_TAG.restoredBy]: 'Other@eu-west-1' } }),
      ).toBe(false);
      expect(allows(statements, { ...call, resourceTags: { ...tags, [RESTORE_TAG.drill]: 'false' } })).toBe(false);
      expect(allows(statements, { ...call, resourceTags: {} })).toBe(false);
    }
  });
});
