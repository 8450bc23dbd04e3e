/**
 * The emulator's RDS wire protocol (awsQuery), through the real RDSClient: DB instances with TagList,
 * MaxRecords/Marker paging with the SDK paginators, regions, CreateDBSnapshot with Tags and the
 * snapshot's Status/PercentProgress on a moving clock, DeleteDBSnapshot, and RDS faults surfacing as
 * the SDK's own exception classes with RDS's statuses (404 for *NotFound).
 */
import {
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  RDSClient,
  RDSServiceException,
  StartDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';
import { toPipelineError } from '../../../shared/errors';

const REGION = 'eu-west-1';
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
const clients: RDSClient[] = [];
const rds = (region = REGION) => {
  const client = new RDSClient({
    region,
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.close();
});

async function failure(call: Promise<unknown>): Promise<RDSServiceException & { Code?: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RDSServiceException)) throw new Error(`expected an RDS service error, got ${String(error)}`);
  return error;
}

const pipelineNameOf = (name: string) => toPipelineError(Object.assign(new Error('x'), { name }), 'test').name;

describe('RDS DescribeDBInstances over the wire', () => {
  it('returns instances with ARN, status and TagList as the model holds them', async () => {
    // Prepare
    model.addDbInstance(REGION, {
      DBInstanceIdentifier: 'orders',
      Engine: 'mysql',
      AllocatedStorage: 200,
      TagList: [
        { Key: 'backup', Value: 'true' },
        { Key: 'team', Value: 'payments' },
      ],
    });
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'aurora-1', DBClusterIdentifier: 'ledger' });

    // Act
    const one = await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' }));
    const all = await rds().send(new DescribeDBInstancesCommand({}));

    // Assess
    expect(one.DBInstances).toEqual([
      {
        DBInstanceIdentifier: 'orders',
        DBInstanceArn: `arn:aws:rds:${REGION}:${model.accountId}:db:orders`,
        DBInstanceClass: 'db.r7g.large',
        Engine: 'mysql',
        DBInstanceStatus: 'available',
        AllocatedStorage: 200,
        StorageEncrypted: true,
        CopyTagsToSnapshot: false,
        MultiAZ: false,
        PubliclyAccessible: false,
        AvailabilityZone: `${REGION}a`,
        // A fleet instance without a named subnet group lives in the region's `default` one.
        DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: 'default', SubnetGroupStatus: 'Complete' }),
        VpcSecurityGroups: [{ VpcSecurityGroupId: expect.stringMatching(/^sg-/), Status: 'active' }],
        // Without groups of its own, the engine's defaults.
        DBParameterGroups: [{ DBParameterGroupName: 'default.mysql', ParameterApplyStatus: 'in-sync' }],
        OptionGroupMemberships: [{ OptionGroupName: 'default:mysql', Status: 'in-sync' }],
        TagList: [
          { Key: 'backup', Value: 'true' },
          { Key: 'team', Value: 'payments' },
        ],
      },
    ]);
    expect(all.DBInstances).toEqual(model.describeDBInstances(REGION, {}).DBInstances);
    expect(all.DBInstances?.find((d) => d.DBInstanceIdentifier === 'aurora-1')?.DBClusterIdentifier).toBe('ledger');
  });

  it('pages with MaxRecords and Marker through the SDK paginator', async () => {
    // Prepare
    const region = 'ap-northeast-1';
    const ids = ['db-a', 'db-b', 'db-c', 'db-d', 'db-e'];
    for (const id of ids) model.addDbInstance(region, { DBInstanceIdentifier: id });

    // Act
    const pages = [];
    for await (const page of paginateDescribeDBInstances({ client: rds(region), pageSize: 2 }, {})) pages.push(page);

    // Assess
    expect(pages.map((p) => p.DBInstances?.map((d) => d.DBInstanceIdentifier))).toEqual([
      ['db-a', 'db-b'],
      ['db-c', 'db-d'],
      ['db-e'],
    ]);
    expect(pages[0]?.Marker).toEqual(expect.any(String));
    expect(pages.at(-1)?.Marker).toBeUndefined();
  });

  it('keeps regions apart: an instance in us-west-2 is not visible from eu-west-1', async () => {
    // Prepare
    model.addDbInstance('us-west-2', { DBInstanceIdentifier: 'west-only' });

    // Act
    const west = await rds('us-west-2').send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'west-only' }));
    const ireland = await failure(rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'west-only' })));

    // Assess
    expect(west.DBInstances?.[0]?.DBInstanceArn).toBe(`arn:aws:rds:us-west-2:${model.accountId}:db:west-only`);
    expect([ireland.name, ireland.Code, ireland.$metadata.httpStatusCode]).toEqual([
      'DBInstanceNotFoundFault',
      'DBInstanceNotFound',
      404,
    ]);
  });
});

describe('RDS DB snapshots over the wire', () => {
  it('creates a snapshot with Tags, then reports TagList, Status and PercentProgress until available', async () => {
    // Prepare
    const region = 'eu-north-1';
    model.addDbInstance(region, { DBInstanceIdentifier: 'billing', snapshotSeconds: 600 });
    const client = rds(region);
    const tags = [
      { Key: 'backup-pipeline:managed-by', Value: 'backup-pipeline' },
      { Key: 'backup-pipeline:expires-at', Value: '2026-12-02T10:00:00.000Z' },
    ];
    const byId = new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'bp-run-1-billing' });

    // Act
    const created = await client.send(
      new CreateDBSnapshotCommand({
        DBSnapshotIdentifier: 'bp-run-1-billing',
        DBInstanceIdentifier: 'billing',
        Tags: tags,
      }),
    );
    const instanceWhileBackingUp = await client.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing' }),
    );
    advance(300);
    const midway = await client.send(byId);
    advance(600);
    const done = await client.send(byId);
    const instanceAfter = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing' }));

    // Assess
    expect(created.DBSnapshot).toMatchObject({
      DBSnapshotIdentifier: 'bp-run-1-billing',
      DBInstanceIdentifier: 'billing',
      DBSnapshotArn: `arn:aws:rds:${region}:${model.accountId}:snapshot:bp-run-1-billing`,
      Status: 'creating',
      PercentProgress: 0,
      SnapshotType: 'manual',
      Encrypted: true,
      TagList: tags,
    });
    expect(created.DBSnapshot?.SnapshotCreateTime).toBeInstanceOf(Date);
    expect(instanceWhileBackingUp.DBInstances?.[0]?.DBInstanceStatus).toBe('backing-up');
    expect(midway.DBSnapshots?.[0]?.Status).toBe('creating');
    expect(midway.DBSnapshots?.[0]?.PercentProgress).toEqual(expect.any(Number));
    expect(midway.DBSnapshots?.[0]?.PercentProgress).toBeGreaterThan(30);
    expect(midway.DBSnapshots?.[0]?.PercentProgress).toBeLessThan(100);
    expect(done.DBSnapshots?.[0]).toMatchObject({ Status: 'available', PercentProgress: 100, TagList: tags });
    expect(done.DBSnapshots).toEqual(model.dbSnapshots(region));
    expect(instanceAfter.DBInstances?.[0]?.DBInstanceStatus).toBe('available');
  });

  it('pages manual snapshots with MaxRecords and Marker, and deletes one', async () => {
    // Prepare
    const region = 'sa-east-1';
    model.addDbInstance(region, { DBInstanceIdentifier: 'crm' });
    for (const n of [1, 2, 3])
      model.addExistingDbSnapshot(region, {
        DBSnapshotIdentifier: `crm-${n}`,
        DBInstanceIdentifier: 'crm',
        startMs: now.getTime() - n * 86_400_000,
        TagList: [{ Key: 'n', Value: String(n) }],
      });
    model.addExistingDbSnapshot(region, {
      DBSnapshotIdentifier: 'rds:crm-auto',
      DBInstanceIdentifier: 'crm',
      SnapshotType: 'automated',
      startMs: now.getTime(),
    });
    const client = rds(region);

    // Act
    const pages = [];
    for await (const page of paginateDescribeDBSnapshots({ client, pageSize: 2 }, { SnapshotType: 'manual' }))
      pages.push(page);
    const deleted = await client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'crm-2' }));
    const left = await client.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'crm' }));

    // Assess
    expect(pages.map((p) => p.DBSnapshots?.map((s) => [s.DBSnapshotIdentifier, s.TagList?.[0]?.Value]))).toEqual([
      [
        ['crm-1', '1'],
        ['crm-2', '2'],
      ],
      [['crm-3', '3']],
    ]);
    expect(pages[0]?.DBSnapshots?.[1]?.SnapshotCreateTime).toEqual(new Date(now.getTime() - 2 * 86_400_000));
    expect(deleted.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 'crm-2', Status: 'available' });
    expect(left.DBSnapshots?.map((s) => [s.DBSnapshotIdentifier, s.SnapshotType])).toEqual([
      ['crm-1', 'manual'],
      ['crm-3', 'manual'],
      ['rds:crm-auto', 'automated'],
    ]);
  });
});

describe('RDS errors over the wire', () => {
  let errorCase = 0;
  it.each([
    // [RDS code, SDK exception name, how, HTTP status, pipeline error (undefined: not an ASL contract)]
    ['DBInstanceNotFound', 'DBInstanceNotFoundFault', 'snapshot a missing instance', 404, 'ResourceNotFoundError'],
    ['DBSnapshotNotFound', 'DBSnapshotNotFoundFault', 'describe a missing snapshot', 404, 'ResourceNotFoundError'],
    ['DBSnapshotAlreadyExists', 'DBSnapshotAlreadyExistsFault', 'reuse an identifier', 400, undefined],
    [
      'InvalidDBInstanceState',
      'InvalidDBInstanceStateFault',
      'snapshot a stopped instance',
      400,
      'InvalidResourceStateError',
    ],
    [
      'InvalidDBSnapshotState',
      'InvalidDBSnapshotStateFault',
      'delete a snapshot being created',
      400,
      'InvalidResourceStateError',
    ],
    [
      'SnapshotQuotaExceeded',
      'SnapshotQuotaExceededFault',
      'exceed the manual snapshot quota',
      400,
      'QuotaExceededError',
    ],
    ['Throttling', 'Throttling', 'call while throttled', 400, 'ThrottledError'],
    ['InvalidParameterValue', 'InvalidParameterValue', 'use a bad identifier', 400, undefined],
  ] as const)('surfaces %s as %s (%s), status %i', async (code, sdkName, _how, status, pipelineError) => {
    // Prepare: each case in its own region so quotas and snapshots do not interfere.
    const region = `eu-test-${++errorCase}`;
    const client = rds(region);
    model.addDbInstance(region, { DBInstanceIdentifier: 'app', snapshotSeconds: 3600 });
    const snapshot = (id: string, db = 'app') =>
      client.send(new CreateDBSnapshotCommand({ DBSnapshotIdentifier: id, DBInstanceIdentifier: db }));
    const act: Record<string, () => Promise<unknown>> = {
      DBInstanceNotFound: () => snapshot('s1', 'missing'),
      DBSnapshotNotFound: () => client.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'missing' })),
      DBSnapshotAlreadyExists: async () => {
        model.addExistingDbSnapshot(region, { DBSnapshotIdentifier: 's1', DBInstanceIdentifier: 'app', startMs: 0 });
        return snapshot('s1');
      },
      InvalidDBInstanceState: () => {
        model.addDbInstance(region, { DBInstanceIdentifier: 'sleepy', status: 'stopped' });
        return snapshot('s1', 'sleepy');
      },
      InvalidDBSnapshotState: async () => {
        await snapshot('s1');
        return client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 's1' }));
      },
      SnapshotQuotaExceeded: async () => {
        model.limits.manualDbSnapshotsPerRegion = 1;
        model.addExistingDbSnapshot(region, { DBSnapshotIdentifier: 'old', DBInstanceIdentifier: 'app', startMs: 0 });
        return snapshot('s1').finally(() => {
          model.limits.manualDbSnapshotsPerRegion = 100;
        });
      },
      Throttling: () => {
        model.faults.throttleRate = 1;
        return client.send(new DescribeDBInstancesCommand({})).finally(() => {
          model.faults.throttleRate = 0;
        });
      },
      InvalidParameterValue: () => snapshot('1-not--valid-'),
    };

    // Act
    const error = await failure((act[code] as () => Promise<unknown>)());

    // Assess
    expect([error.name, error.Code, error.$metadata.httpStatusCode, error.$fault]).toEqual([
      sdkName,
      code,
      status,
      'client',
    ]);
    if (pipelineError) expect(pipelineNameOf(error.name)).toBe(pipelineError);
  });

  it('answers an action the emulator does not implement with InvalidAction naming it', async () => {
    // Act
    const error = await failure(rds().send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'orders' })));

    // Assess
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidAction', 400]);
    expect(error.message).toContain('StartDBInstance');
  });
});
