/**
 * Plan the run (shared/workflow/backup/plan.ts and functions/plan-run.ts): validate the input, resolve targets by tag
 * across every driver and by explicit ARN, write the run record and one item per resource, and
 * return small refs for the Map. Real drivers on mocked EC2/RDS, real store on dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { type DBInstance, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../functions/plan-run';
import { useClock } from '../../../shared/clock';
import { InvalidInputError, ThrottledError } from '../../../shared/errors';
import { DRIVERS, driverFor } from '../../../shared/services';
import { MODE_TAG, type ModesConfig } from '../../../shared/services/modes';
import type { ResourceRecord } from '../../../shared/state/records';
import { THROTTLE_RETRY_DEFAULTS } from '../../../shared/throttle-retry';
import { type InputContext, validateExecutionInput } from '../../../shared/workflow/backup/input';
import { planRun } from '../../../shared/workflow/backup/plan';
import { checkCopyTargets } from '../../../shared/workflow/copies/copy-targets';
import { answerOtherServicesEmpty } from '../../support/model-sdk-mocks';
import { useUnitDynalite } from '../../support/unit-dynalite';
import { ACCOUNT, caught, lambdaContext, REGION, TIERS, unitHandlerEnv } from '../../support/unit-fixtures';
import { ec2Error, instanceRef, volumeRef } from '../services/ec2/fixtures';
import { clusterRef, dbRef, rdsError } from '../services/rds/fixtures';

const db = useUnitDynalite();
const ec2 = mockClient(EC2Client);
const rds = mockClient(RDSClient);
/** No cache groups in these estates: ElastiCache's discovery answers empty. */
const elasticache = mockClient(ElastiCacheClient);
const s3 = mockClient(S3Client);
/** The tier's run lock: each test's Plan takes it and none releases it; the run that holds it has ended. */
const sfn = mockClient(SFNClient);
// Every other service answers an empty estate: its discovery in each Plan reaches no network.
answerOtherServicesEmpty([EC2Client, RDSClient, DynamoDBClient]);
/** The resource refs Plan wrote to S3 for the Map's ItemReader (its last PutObject). */
const itemsWritten = (): { arn: string }[] =>
  JSON.parse(String(s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body ?? 'null'));
const NOW = new Date('2026-01-05T02:00:00.000Z');
const TAGGED = [{ Key: 'backup', Value: 'true' }];
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
let restoreClock: () => void;

beforeAll(() => {
  Object.assign(process.env, unitHandlerEnv(db().tableName));
  restoreClock = useClock({ now: () => NOW });
});
afterAll(() => restoreClock());
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
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
});

// The estate: ids are valid EC2 ids so that explicit ARNs of them parse.
const I_APP = 'i-000000000000000a1';
const I_UNTAGGED = 'i-000000000000000c1';
const I_STORE = 'i-000000000000000d1';
const V_ROOT = 'vol-000000000000000a1';
const V_OTHER = 'vol-000000000000000b1';
const V_ALONE = 'vol-000000000000000c1';

// Discovery answers carry the tags the filter matched: the drivers re-check them exactly.
const instance = (id: string, volumeIds: string[], state = 'running'): Instance => ({
  InstanceId: id,
  Tags: TAGGED,
  State: { Name: state as never },
  BlockDeviceMappings: volumeIds.map((VolumeId) => ({ Ebs: { VolumeId } })),
});
const volume = (id: string, attachedTo?: string): Volume => ({
  VolumeId: id,
  Tags: TAGGED,
  State: attachedTo ? 'in-use' : 'available',
  Attachments: attachedTo ? [{ InstanceId: attachedTo, State: 'attached' }] : [],
});
const dbInstance = (id: string, extra: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  DBInstanceArn: dbRef(id).arn,
  TagList: TAGGED,
  ...extra,
});

/** Tag discovery answers (the filters are applied by AWS, so these are the tagged ones). */
function taggedEstate() {
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{ OwnerId: ACCOUNT, Instances: [instance(I_APP, [V_ROOT]), instance(I_STORE, [])] }],
  });
  ec2.on(DescribeVolumesCommand).resolves({
    Volumes: [volume(V_ROOT, I_APP), volume(V_OTHER, I_UNTAGGED), volume(V_ALONE)],
  });
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      dbInstance('orders'),
      dbInstance('aurora-1', { DBClusterIdentifier: 'shop' }),
      dbInstance('untagged', { TagList: [] }),
    ],
  });
  rds.on(DescribeDBClustersCommand).resolves({
    DBClusters: [
      { DBClusterIdentifier: 'ledger', DBClusterArn: clusterRef('ledger').arn, TagList: TAGGED },
      { DBClusterIdentifier: 'shop', DBClusterArn: clusterRef('shop').arn, TagList: [] },
    ],
  });
}

const context: InputContext = { tiers: TIERS, defaultTier: 'daily', defaultTargetTags: { backup: 'true' } };
let n = 0;

async function plan(raw: unknown, runId = `run-${++n}`, modes: ModesConfig = { defaults: {}, resources: {} }) {
  return planRun({
    modes,
    checkCopyTargets,
    runId,
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-pipeline:${runId}`,
    startedAt: NOW.toISOString(),
    rawInput: raw,
    input: validateExecutionInput(raw, context),
    region: REGION,
    regions: [REGION],
    accountId: ACCOUNT,
    drivers: Object.values(DRIVERS),
    driverFor,
    store: db().store(),
    now: NOW,
    log: silent,
  });
}

const records = async (runId: string) =>
  Object.fromEntries(
    (await db().store().listResources(runId)).map((r: ResourceRecord) => [
      r.resourceId,
      `${r.status}${r.note ? `: ${r.note}` : ''}`,
    ]),
  );

describe('planRun', () => {
  it('discovers tagged resources across every driver and records one PENDING item each', async () => {
    // Prepare
    taggedEstate();

    // Act
    const result = await plan({});

    // Assess
    expect(result.resources).toEqual(
      expect.arrayContaining([
        instanceRef(I_APP),
        volumeRef(V_OTHER),
        volumeRef(V_ALONE),
        dbRef('orders'),
        clusterRef('ledger'),
        clusterRef('shop'),
      ]),
    );
    expect(result.resources).toHaveLength(6);
    expect(await records(result.runId)).toEqual({
      [I_APP]: 'PENDING',
      [I_STORE]: 'SKIPPED: no EBS volumes (instance store only)',
      [V_ROOT]: `SKIPPED: included in the backup of ${instanceRef(I_APP).arn}`,
      [V_OTHER]: 'PENDING',
      [V_ALONE]: 'PENDING',
      orders: 'PENDING',
      // The untagged cluster is backed up because its member is tagged: once, per cluster.
      'aurora-1': `SKIPPED: Aurora cluster member: backed up once, with its cluster ${clusterRef('shop').arn}`,
      shop: 'PENDING: selected through member aurora-1',
      ledger: 'PENDING',
    });
    expect(result.counts).toEqual({ total: 9, selected: 6, skipped: 3, failed: 0 });
  });

  it('returns only small refs, never AWS descriptions', async () => {
    taggedEstate();
    const result = await plan({});
    for (const ref of result.resources)
      expect(Object.keys(ref).sort()).toEqual(['accountId', 'arn', 'id', 'region', 'type']);
  });

  it('writes the tags each RDS instance and Aurora cluster copies onto its snapshot on its PENDING item, never in the refs', async () => {
    // Prepare: orders and ledger copy their tags to snapshots; shop is selected through its member, whose
    // description does not carry the cluster's tags, so Plan describes the cluster too.
    taggedEstate();
    const team = { Key: 'team', Value: 'shop' };
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        dbInstance('orders', { CopyTagsToSnapshot: true, TagList: [...TAGGED, team] }),
        dbInstance('billing', { CopyTagsToSnapshot: false, TagList: [...TAGGED, team] }),
        dbInstance('aurora-1', { DBClusterIdentifier: 'shop', CopyTagsToSnapshot: true }),
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'ledger',
          DBClusterArn: clusterRef('ledger').arn,
          CopyTagsToSnapshot: true,
          TagList: [...TAGGED, { Key: 'aws:cloudformation:stack-name', Value: 'ledger' }],
        },
        { DBClusterIdentifier: 'shop', DBClusterArn: clusterRef('shop').arn, CopyTagsToSnapshot: true, TagList: [] },
      ],
    });

    // Act
    const result = await plan({});

    // Assess
    const items = Object.fromEntries(
      (await db().store().listResources(result.runId)).map((r) => [r.resourceId, r.sourceTags]),
    );
    expect(items).toEqual({
      [I_APP]: undefined,
      [I_STORE]: undefined,
      [V_ROOT]: undefined,
      [V_OTHER]: undefined,
      [V_ALONE]: undefined,
      orders: [...TAGGED, team],
      billing: [],
      ledger: TAGGED,
      // Selected through its member, then described at Plan like an explicitly named cluster: its own tags.
      shop: [],
      'aurora-1': undefined,
    });
    for (const ref of result.resources) expect(ref).not.toHaveProperty('sourceTags');
  });

  it("writes every source's own tags on its item (an application restore selects by them), a cluster's with its tagged member's", async () => {
    // Prepare: shop's own description carries no tag; its member, which selected it, carries app=shop.
    taggedEstate();
    const app = { Key: 'app', Value: 'shop' };
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        dbInstance('billing', { CopyTagsToSnapshot: false, TagList: [...TAGGED, app] }),
        dbInstance('aurora-1', { DBClusterIdentifier: 'shop', TagList: [...TAGGED, app] }),
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'ledger',
          DBClusterArn: clusterRef('ledger').arn,
          TagList: [...TAGGED, { Key: 'aws:cloudformation:stack-name', Value: 'ledger' }],
        },
        { DBClusterIdentifier: 'shop', DBClusterArn: clusterRef('shop').arn, TagList: [] },
      ],
    });

    // Act
    const result = await plan({});

    // Assess
    const items = Object.fromEntries(
      (await db().store().listResources(result.runId)).map((r) => [r.resourceId, r.resourceTags]),
    );
    expect(items).toMatchObject({ billing: [...TAGGED, app], ledger: TAGGED, shop: [...TAGGED, app] });
  });

  it('writes the tags of an explicitly named RDS instance from the batched describe that resolved it', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [dbInstance('orders', { CopyTagsToSnapshot: true, TagList: [{ Key: 'team', Value: 'shop' }] })],
    });

    const result = await plan({ targets: { resources: [dbRef('orders').arn] } });

    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      Filters: [{ Name: 'db-instance-id', Values: ['orders'] }],
    });
    expect(await db().store().getResource(result.runId, dbRef('orders').arn)).toMatchObject({
      status: 'PENDING',
      sourceTags: [{ Key: 'team', Value: 'shop' }],
    });
  });

  it('writes no tags on the items of a dry run, which starts nothing', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [dbInstance('orders', { CopyTagsToSnapshot: true })],
    });
    const result = await plan({ dryRun: true, targets: { resources: [dbRef('orders').arn] } });
    expect(await db().store().getResource(result.runId, dbRef('orders').arn)).not.toHaveProperty('sourceTags');
  });

  it('writes the run record with the tier, the raw input and the expiry from the retention', async () => {
    // Prepare
    taggedEstate();
    const raw = { tier: 'weekly', reason: 'before release 42' };

    // Act
    const result = await plan(raw);

    // Assess
    expect(result).toMatchObject({ tier: 'weekly', dryRun: false, expiresAt: '2026-02-09T02:00:00.000Z' });
    expect(await db().store().getRun(result.runId)).toMatchObject({
      runId: result.runId,
      tier: 'weekly',
      status: 'RUNNING',
      dryRun: false,
      reason: 'before release 42',
      startedAt: NOW.toISOString(),
      expiresAt: '2026-02-09T02:00:00.000Z',
      input: raw,
    });
  });

  it('records an explicit ARN that does not exist as FAILED instead of throwing, and plans the rest', async () => {
    // Prepare
    // One batched lookup by Filter: RDS answers with the instances that exist, leaving the missing one out.
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('orders')] });

    // Act
    const result = await plan({ targets: { resources: [dbRef('gone').arn, dbRef('orders').arn] } });

    // Assess
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
    expect(rds).toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      Filters: [{ Name: 'db-instance-id', Values: ['gone', 'orders'] }],
    });
    expect(result.resources).toEqual([dbRef('orders')]);
    expect(result.counts).toEqual({ total: 2, selected: 1, skipped: 0, failed: 1 });
    const gone = await db().store().getResource(result.runId, dbRef('gone').arn);
    expect(gone).toMatchObject({
      status: 'FAILED',
      error: {
        error: 'PlanFailed',
        cause: `ResourceNotFoundError: RDS instance gone not found in ${REGION}`,
      },
    });
  });

  it('records an explicit terminated instance as FAILED with InvalidResourceStateError', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolves({ Reservations: [{ Instances: [instance(I_APP, [V_ROOT], 'terminated')] }] });

    const result = await plan({ targets: { resources: [instanceRef(I_APP).arn] } });

    expect(await records(result.runId)).toEqual({
      [I_APP]: `FAILED: InvalidResourceStateError: EC2 instance ${I_APP} is terminated`,
    });
  });

  it('resolves explicit ARNs only (no tag discovery) when the input names resources without tags', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('orders')] });

    await plan({ targets: { resources: [dbRef('orders').arn] } });

    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 0);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBInstancesCommand, 1);
  });

  it('skips an explicitly named volume whose instance is also named', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(I_APP, [V_ROOT])] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [volume(V_ROOT, I_APP)] });

    const result = await plan({ targets: { resources: [volumeRef(V_ROOT).arn, instanceRef(I_APP).arn] } });

    expect(result.resources).toEqual([instanceRef(I_APP)]);
    expect(await records(result.runId)).toMatchObject({
      [V_ROOT]: expect.stringMatching(/^SKIPPED: included in the backup of/),
    });
  });

  it('plans a resource found both by tag and by ARN once', async () => {
    taggedEstate();
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' })
      .resolves({ DBInstances: [dbInstance('orders')] });

    const result = await plan({ targets: { tags: { backup: 'true' }, resources: [dbRef('orders').arn] } });

    expect(result.resources.filter((r) => r.id === 'orders')).toHaveLength(1);
    expect(result.counts.total).toBe(9);
  });

  it('carries a non-default backup mode from the resource tag in its ref, and none for the default', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { ...instance(I_APP, [V_ROOT]), Tags: [...TAGGED, { Key: MODE_TAG, Value: 'ami' }] },
            { ...instance(I_STORE, [V_OTHER]), Tags: [...TAGGED, { Key: MODE_TAG, Value: 'snapshots' }] },
          ],
        },
      ],
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    // Act
    const result = await plan({});

    // Assess
    expect(result.resources).toEqual([{ ...instanceRef(I_APP), mode: 'ami' }, instanceRef(I_STORE)]);
  });

  it('takes the mode from config for a resource without a tag', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(I_APP, [V_ROOT])] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const result = await plan({}, undefined, { defaults: {}, resources: { [instanceRef(I_APP).arn]: 'ami-reboot' } });
    expect(result.resources).toEqual([{ ...instanceRef(I_APP), mode: 'ami-reboot' }]);
  });

  it.each([
    [
      'a tag that contradicts the config',
      'ami',
      { [instanceRef(I_APP).arn]: 'snapshots' },
      `modes.resources.${instanceRef(I_APP).arn}`,
    ],
    ['a tag naming a mode the type does not offer', 'export', {}, `${MODE_TAG} tag on ${instanceRef(I_APP).arn}`],
  ] as const)(
    'fails Plan on %s with InvalidInputError naming the field, writing nothing',
    async (_label, tag, resources, field) => {
      // Prepare
      ec2.on(DescribeInstancesCommand).resolves({
        Reservations: [
          { Instances: [{ ...instance(I_APP, [V_ROOT]), Tags: [...TAGGED, { Key: MODE_TAG, Value: tag }] }] },
        ],
      });
      ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

      // Act
      const error = await caught(plan({}, 'run-conflict', { defaults: {}, resources: { ...resources } }));

      // Assess
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).fields).toEqual([field]);
      expect(await db().store().getRun('run-conflict')).toBeUndefined();
      expect(await db().store().listResources('run-conflict')).toEqual([]);
    },
  );

  describe('ami-reboot by tag (issue #9 §4.10)', () => {
    const I_OTHER = 'i-000000000000000b1';
    function estateWithRebootTag() {
      ec2.on(DescribeInstancesCommand).resolves({
        Reservations: [
          {
            Instances: [
              { ...instance(I_APP, [V_ROOT]), Tags: [...TAGGED, { Key: MODE_TAG, Value: 'ami-reboot' }] },
              instance(I_OTHER, [V_OTHER]),
            ],
          },
        ],
      });
      ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    }

    it('refuses the instance (FAILED, not rebooted) when only its tag asks for a reboot, and backs up the rest', async () => {
      // Prepare
      estateWithRebootTag();

      // Act
      const result = await plan({}, 'run-reboot-by-tag');

      // Assess
      expect(result.resources).toEqual([instanceRef(I_OTHER)]);
      const byId = await records('run-reboot-by-tag');
      expect(byId[I_APP]).toMatch(/^FAILED: InvalidInputError: its backup-pipeline:mode tag asks for "ami-reboot"/);
      expect(byId[I_APP]).toContain('modes.allowRebootByTag');
    });

    it.each([
      ['modes.allowRebootByTag is set', { defaults: {}, resources: {}, allowRebootByTag: true }],
      [
        'the config names the instance ami-reboot too',
        { defaults: {}, resources: { [instanceRef(I_APP).arn]: 'ami-reboot' as const } },
      ],
    ])('lets the tag choose ami-reboot when %s', async (_label, modes) => {
      estateWithRebootTag();
      const result = await plan({}, undefined, modes);
      expect(result.resources).toEqual(
        expect.arrayContaining([{ ...instanceRef(I_APP), mode: 'ami-reboot' }, instanceRef(I_OTHER)]),
      );
    });
  });

  it('names every mode conflict and every copy-target problem in one error', async () => {
    // Prepare: two instances whose tags name modes their type does not offer, and a copy region that is not enabled.
    const I_OTHER = 'i-000000000000000b1';
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            { ...instance(I_APP, [V_ROOT]), Tags: [...TAGGED, { Key: MODE_TAG, Value: 'export' }] },
            { ...instance(I_OTHER, [V_OTHER]), Tags: [...TAGGED, { Key: MODE_TAG, Value: 'backup' }] },
          ],
        },
      ],
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: REGION }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    // Act
    const error = await caught(plan({ copyTo: [{ region: 'us-west-2' }] }, 'run-all-conflicts'));

    // Assess
    expect([...(error as InvalidInputError).fields].sort()).toEqual(
      [
        `${MODE_TAG} tag on ${instanceRef(I_APP).arn}`,
        `${MODE_TAG} tag on ${instanceRef(I_OTHER).arn}`,
        'copyTo.0.region',
      ].sort(),
    );
    expect(await db().store().getRun('run-all-conflicts')).toBeUndefined();
  });

  it.each([
    [true, ['copyTo.0.kmsKeyId']],
    [false, []],
  ])(
    'asks a key for a copy of a cluster selected through a member whose encryption is %p',
    async (encrypted, fields) => {
      // Prepare: the member is tagged, the cluster is not; us-west-2 is enabled; the copy names no key.
      ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
      ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
      ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-west-2' }, { RegionName: REGION }] });
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [dbInstance('shop-1', { DBClusterIdentifier: 'shop', StorageEncrypted: encrypted })],
      });
      rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

      // Act
      const outcome = await plan({ copyTo: [{ region: 'us-west-2' }] }).then(
        (result) => result.copyTo,
        (error: unknown) => error,
      );

      // Assess
      if (fields.length > 0) expect((outcome as InvalidInputError).fields).toEqual(fields);
      else expect(outcome).toEqual([{ region: 'us-west-2' }]);
    },
  );

  it('in a dry run records every resource SKIPPED and returns nothing to back up', async () => {
    // Prepare
    taggedEstate();

    // Act
    const result = await plan({ dryRun: true });

    // Assess
    expect(result).toMatchObject({
      dryRun: true,
      resources: [],
      counts: { total: 9, selected: 0, skipped: 9, failed: 0 },
    });
    const byId = await records(result.runId);
    expect(Object.values(byId).every((r) => r.startsWith('SKIPPED: '))).toBe(true);
    expect(byId[I_APP]).toBe('SKIPPED: dry run: would be backed up');
    expect(byId[V_ROOT]).toMatch(/^SKIPPED: included in the backup of/);
    expect(byId.shop).toBe('SKIPPED: dry run: would be backed up (selected through member aurora-1)');
  });

  it('in a dry run notes where each backup would be copied, and not to its own region', async () => {
    // Prepare: the copy targets are checked as in a real run; one of them is the sources' own region.
    taggedEstate();
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: 'us-west-2' }, { RegionName: REGION }] });

    // Act
    const result = await plan({ dryRun: true, copyTo: [{ region: 'us-west-2' }, { region: REGION }] });

    // Assess
    const byId = await records(result.runId);
    expect(byId.orders).toBe('SKIPPED: dry run: would be backed up, copied to us-west-2');
    expect(byId[I_APP]).toBe('SKIPPED: dry run: would be backed up, copied to us-west-2');
    expect(byId[V_ROOT]).toMatch(/^SKIPPED: included in the backup of/);
    expect(result.resources).toEqual([]);
  });

  it('run again with the same run id (a retried Plan), keeps the records and progress already made', async () => {
    // Prepare
    taggedEstate();
    const first = await plan({}, 'run-replanned');
    await db().store().markStarting('run-replanned', dbRef('orders').arn, NOW.toISOString());

    // Act
    const second = await plan({}, 'run-replanned');

    // Assess
    expect(second.resources).toEqual(first.resources);
    expect((await db().store().getResource('run-replanned', dbRef('orders').arn))?.status).toBe('CREATING');
  });

  it('throws ThrottledError and writes nothing when discovery is throttled', async () => {
    // Prepare
    taggedEstate();
    rds.on(DescribeDBInstancesCommand).rejects(rdsError('Throttling'));

    // Act
    const error = await caught(plan({}, 'run-throttled-discovery'));

    // Assess
    expect(error).toBeInstanceOf(ThrottledError);
    expect(await db().store().getRun('run-throttled-discovery')).toBeUndefined();
  });

  it('throws ThrottledError (to be retried, not recorded) when resolving an explicit ARN is throttled', async () => {
    // Prepare: the batch's back-off (shared/services/resolve.ts) without its real sleeps, which added up to
    // 6 s and timed the test out; the waits it asked for are checked instead.
    ec2.on(DescribeVolumesCommand).rejects(ec2Error('RequestLimitExceeded'));
    const sleep = jest.spyOn(THROTTLE_RETRY_DEFAULTS, 'sleep').mockResolvedValue(undefined);

    // Act
    const error = await caught(plan({ targets: { resources: [volumeRef(V_ALONE).arn] } }, 'run-throttled-resolve'));

    // Assess: retried alone with capped back-off (6 attempts), then handed to the ASL's Retry.
    expect(error).toBeInstanceOf(ThrottledError);
    expect(sleep).toHaveBeenCalledTimes(5);
    for (const [ms] of sleep.mock.calls) expect(ms).toBeLessThanOrEqual(3200);
    expect(await db().store().listResources('run-throttled-resolve')).toEqual([]);
    sleep.mockRestore();
  });
});

describe('plan-run handler', () => {
  const event = (input: unknown, runId = `run-h-${++n}`) => ({
    input,
    runId,
    executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:backup-pipeline:${runId}`,
    startedAt: NOW.toISOString(),
  });

  it('plans with the default tier and tags, and returns the refs with the Map concurrency', async () => {
    // Prepare
    taggedEstate();
    const e = event({});

    // Act
    const out = await handler(e, lambdaContext);

    // Assess
    expect(out).toMatchObject({
      runId: e.runId,
      tier: 'daily',
      dryRun: false,
      expiresAt: '2026-01-12T02:00:00.000Z',
      maxConcurrency: 40,
      counts: { total: 9, selected: 6 },
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: expect.arrayContaining([{ Name: 'tag:backup', Values: ['true'] }]),
    });
  });

  it("selects a tier's own targetTags (its subset) when the input names no targets, and the default tags for the others", async () => {
    // Prepare: the weekly tier backs up only what carries backup=weekly; AWS answers each filter with its own.
    const weekly = { ...TIERS.weekly, targetTags: { backup: 'weekly' } };
    const saved = process.env.TIERS;
    process.env.TIERS = JSON.stringify({ ...TIERS, weekly });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    ec2
      .on(DescribeVolumesCommand, { Filters: [{ Name: 'tag:backup', Values: ['weekly'] }] }, false)
      .resolves({ Volumes: [{ ...volume(V_ALONE), Tags: [{ Key: 'backup', Value: 'weekly' }] }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });

    try {
      // Act: a scheduled weekly run (its input is the tier alone), then a daily one.
      const weeklyRun = event({ tier: 'weekly' });
      const weeklyOut = await handler(weeklyRun, lambdaContext);
      const weeklyFilters = ec2.commandCalls(DescribeVolumesCommand).map((c) => c.args[0].input.Filters);
      ec2.resetHistory();
      await handler(event({ tier: 'daily' }), lambdaContext);
      const dailyFilters = ec2.commandCalls(DescribeVolumesCommand).map((c) => c.args[0].input.Filters);

      // Assess
      expect(weeklyOut).toMatchObject({ tier: 'weekly', counts: { total: 1, selected: 1 } });
      expect(await records(weeklyRun.runId)).toEqual({ [V_ALONE]: 'PENDING' });
      expect(weeklyFilters).toEqual([[{ Name: 'tag:backup', Values: ['weekly'] }]]);
      expect(dailyFilters).toEqual([[{ Name: 'tag:backup', Values: ['true'] }]]);
    } finally {
      process.env.TIERS = saved;
    }
  });

  it('writes the refs to runs/<runId>/items.json and returns only their location, the same on a retry', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(I_APP, [V_ROOT])] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const e = event({});

    // Act
    const first = await handler(e, lambdaContext);
    const retried = await handler(e, lambdaContext);

    // Assess
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({
      Bucket: process.env.BACKUP_BUCKET,
      Key: `runs/${e.runId}/items.json`,
      ContentType: 'application/json',
      ServerSideEncryption: 'AES256',
    });
    expect(puts[1]).toEqual(puts[0]);
    expect(itemsWritten().map((ref) => ref.arn)).toEqual([`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${I_APP}`]);
    expect(first.items).toEqual({
      bucket: process.env.BACKUP_BUCKET,
      key: `runs/${e.runId}/items.json`,
      resultsPrefix: `runs/${e.runId}/results`,
      count: 1,
    });
    expect(retried).toEqual(first);
    expect(first).not.toHaveProperty('resources');
  });

  it('builds ARNs in the account of the function when EC2 names no owner', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(I_APP, [V_ROOT])] }] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    await handler(event({}), { invokedFunctionArn: `arn:aws:lambda:${REGION}:444455556666:function:plan` });
    expect(itemsWritten()[0]?.arn).toBe(`arn:aws:ec2:${REGION}:444455556666:instance/${I_APP}`);
  });

  it('throws InvalidInputError naming every bad field, and writes and asks AWS nothing', async () => {
    // Prepare
    const e = event({ tier: 'hourly', retentionDays: -1, targets: { resources: ['arn:aws:s3:::bucket'] } });

    // Act
    const error = await caught(handler(e, lambdaContext));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.name).toBe('InvalidInputError');
    expect((error as InvalidInputError).fields).toEqual(
      expect.arrayContaining(['tier', 'retentionDays', 'targets.resources.0']),
    );
    expect(await db().store().getRun(e.runId)).toBeUndefined();
    expect(await db().store().listResources(e.runId)).toEqual([]);
    expect(ec2.calls()).toHaveLength(0);
    expect(rds.calls()).toHaveLength(0);
  });

  it('names the copy targets a bad region or key makes bad together with every other bad field', async () => {
    // Prepare: the tier is unknown AND copyTo names a region not enabled in the account. The run's own
    // region is a valid target (with several regions, sources elsewhere are copied there).
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: REGION }, { RegionName: 'us-west-2' }] });
    const e = event({
      tier: 'constructor',
      retentionDays: 0,
      copyTo: [{ region: 'us-west-2' }, { region: 'nope' }, { region: 'ap-south-2' }, { region: REGION }],
    });

    // Act
    const error = await caught(handler(e, lambdaContext));

    // Assess
    expect(error).toBeInstanceOf(InvalidInputError);
    expect([...(error as InvalidInputError).fields].sort()).toEqual(
      ['copyTo.1.region', 'copyTo.2.region', 'retentionDays', 'tier'].sort(),
    );
    expect(error.message).toContain('copyTo.2.region: ap-south-2 is not a region enabled in this account');
    expect(await db().store().getRun(e.runId)).toBeUndefined();
  });

  it('refuses an ARN of another account before asking AWS about it (no same-named resource of this account is backed up)', async () => {
    // Prepare: this account has an "orders" too; the ARN names account 999999999999's.
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [dbInstance('orders')] });
    const e = event({ targets: { resources: [`arn:aws:rds:${REGION}:999999999999:db:orders`] } });

    // Act
    const error = await caught(handler(e, lambdaContext));

    // Assess
    expect((error as InvalidInputError).fields).toEqual(['targets.resources.0']);
    expect(rds.calls()).toHaveLength(0);
    expect(await db().store().getRun(e.runId)).toBeUndefined();
  });

  it('throws InvalidInputError when the execution input is not an object', async () => {
    await expect(handler(event('daily'), lambdaContext)).rejects.toThrow(InvalidInputError);
  });

  it('records a run that matched nothing, with zero resources', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    const e = event({ targets: { tags: { backup: 'typo' } } });

    const out = await handler(e, lambdaContext);

    expect(out).toMatchObject({ items: { count: 0 }, counts: { total: 0, selected: 0 } });
    expect(itemsWritten()).toEqual([]);
    expect(await db().store().getRun(e.runId)).toMatchObject({ status: 'RUNNING' });
  });

  it('rejects an event without a run id', async () => {
    await expect(handler({ input: {} }, lambdaContext)).rejects.toThrow(/^plan-run: invalid event: runId/);
  });
});
