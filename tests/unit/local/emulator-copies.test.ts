/**
 * Cross-region copies over the wire, through the real SDK clients against the emulator: EC2
 * DescribeRegions, KMS DescribeKey (by alias, id and ARN; NotFoundException as the SDK's own class),
 * EC2 CopySnapshot and RDS CopyDBSnapshot / CopyDBClusterSnapshot called in the destination region
 * (pending/copying -> completed/available on a moving clock), each one's refusals with AWS's codes, and
 * the 20-copies-per-destination limit, counted per service. The SDK mocks answer the same calls.
 */
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, KMSServiceException, NotFoundException } from '@aws-sdk/client-kms';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { DR_KEY_ALIAS, DR_REGION, seedDrKey } from '../../../local/estates/fleet';
import { AwsModel, DEFAULT_ENABLED_REGIONS } from '../../../local/model';
import { toPipelineError } from '../../../shared/errors';
import { wireModelToSdk } from '../../support/model-sdk-mocks';

const SOURCE = 'eu-west-1';
let now = new Date('2026-11-02T10:00:00Z');
const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
let server: EmulatorServer;
const destroyables: { destroy(): void }[] = [];
const config = (region: string) => ({
  region,
  endpoint: server.endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});
const track = <T extends { destroy(): void }>(client: T): T => {
  destroyables.push(client);
  return client;
};
const ec2 = (region: string) => track(new EC2Client(config(region)));
const rds = (region: string) => track(new RDSClient(config(region)));
const kms = (region: string) => track(new KMSClient(config(region)));

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: SOURCE });
  registerAwsServices(server, model);
});
afterAll(async () => {
  for (const client of destroyables) client.destroy();
  await server.close();
});

/** The error a call rejected with, checked to be the given SDK service exception class. */
async function failure<E extends Error>(
  call: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(error)}`);
  return error;
}

const pipelineNameOf = (name: string) => toPipelineError(Object.assign(new Error('x'), { name }), 'test').name;

/** A completed snapshot in the source region, as a finished backup leaves it. */
function completedSnapshot(sizeGiB = 100) {
  const volume = model.addVolume(SOURCE, { Size: sizeGiB, snapshotSeconds: 600 });
  return model.addExistingSnapshot(SOURCE, {
    VolumeId: volume.VolumeId,
    VolumeSize: sizeGiB,
    startMs: now.getTime() - 3_600_000,
  });
}

let dbCase = 0;
/** A completed manual DB snapshot in the source region, with tags, and its ARN. */
function completedDbSnapshot() {
  const id = `orders-run-${++dbCase}`;
  model.addExistingDbSnapshot(SOURCE, {
    DBSnapshotIdentifier: id,
    DBInstanceIdentifier: 'orders',
    AllocatedStorage: 200,
    TagList: [{ Key: 'team', Value: 'payments' }],
    startMs: now.getTime() - 3_600_000,
  });
  return { id, arn: model.dbSnapshotArn(SOURCE, id) };
}

/** A completed Aurora cluster snapshot in the source region, and its ARN. */
function completedClusterSnapshot() {
  const id = `ledger-run-${++dbCase}`;
  model.addExistingDbClusterSnapshot(SOURCE, {
    DBClusterSnapshotIdentifier: id,
    DBClusterIdentifier: 'ledger',
    volumeGiB: 300,
    TagList: [{ Key: 'team', Value: 'finance' }],
    startMs: now.getTime() - 3_600_000,
  });
  return { id, arn: model.dbClusterSnapshotArn(SOURCE, id) };
}

describe('EC2 DescribeRegions over the wire', () => {
  it('lists the enabled regions with endpoint and opt-in status; AllRegions adds the opt-in regions not enabled', async () => {
    // Act
    const enabled = await ec2(SOURCE).send(new DescribeRegionsCommand({}));
    const all = await ec2(SOURCE).send(new DescribeRegionsCommand({ AllRegions: true }));
    const named = await ec2(SOURCE).send(new DescribeRegionsCommand({ RegionNames: [DR_REGION] }));

    // Assess
    expect(enabled.Regions?.map((r) => r.RegionName).sort()).toEqual([...DEFAULT_ENABLED_REGIONS].sort());
    expect(enabled.Regions?.find((r) => r.RegionName === DR_REGION)).toEqual({
      RegionName: DR_REGION,
      Endpoint: `ec2.${DR_REGION}.amazonaws.com`,
      OptInStatus: 'opt-in-not-required',
    });
    expect(all.Regions?.find((r) => r.RegionName === 'af-south-1')?.OptInStatus).toBe('not-opted-in');
    expect(all.Regions?.length).toBeGreaterThan(enabled.Regions?.length ?? 0);
    expect(named.Regions?.map((r) => r.RegionName)).toEqual([DR_REGION]);
  });

  it('refuses a name that is not a region with InvalidParameterValue', async () => {
    // Act
    const error = await failure(
      ec2(SOURCE).send(new DescribeRegionsCommand({ RegionNames: ['us-west-2', 'mars-north-1'] })),
      EC2ServiceException,
    );

    // Assess
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
    expect(error.message).toContain('mars-north-1');
  });
});

describe('KMS DescribeKey over the wire', () => {
  it('finds the same key by alias name, alias ARN, key id and key ARN', async () => {
    // Prepare
    const key = seedDrKey(model);
    const client = kms(DR_REGION);
    const aliasArn = `arn:aws:kms:${DR_REGION}:${model.accountId}:${DR_KEY_ALIAS}`;

    // Act
    const answers = await Promise.all(
      [DR_KEY_ALIAS, aliasArn, key.KeyId, key.Arn].map((KeyId) => client.send(new DescribeKeyCommand({ KeyId }))),
    );

    // Assess
    expect(key.Arn).toBe(`arn:aws:kms:${DR_REGION}:${model.accountId}:key/${key.KeyId}`);
    expect(key.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    for (const answer of answers) {
      expect(answer.KeyMetadata).toMatchObject({
        KeyId: key.KeyId,
        Arn: key.Arn,
        AWSAccountId: model.accountId,
        KeyState: 'Enabled',
        Enabled: true,
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
      });
      expect(answer.KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    }
  });

  it('answers an unknown alias, an unknown key, or a key of another region with the SDK NotFoundException', async () => {
    // Prepare
    const key = seedDrKey(model);

    // Act
    const unknownAlias = await failure(
      kms(DR_REGION).send(new DescribeKeyCommand({ KeyId: 'alias/nope' })),
      NotFoundException,
    );
    const unknownKey = await failure(
      kms(DR_REGION).send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-a000-000000000000' })),
      NotFoundException,
    );
    const otherRegion = await failure(
      kms(SOURCE).send(new DescribeKeyCommand({ KeyId: DR_KEY_ALIAS })),
      NotFoundException,
    );
    const otherRegionArn = await failure(
      kms(SOURCE).send(new DescribeKeyCommand({ KeyId: key.Arn })),
      NotFoundException,
    );

    // Assess
    expect(unknownAlias.message).toBe(`Alias arn:aws:kms:${DR_REGION}:${model.accountId}:alias/nope is not found.`);
    expect(unknownKey.message).toBe(
      `Key 'arn:aws:kms:${DR_REGION}:${model.accountId}:key/00000000-0000-4000-a000-000000000000' does not exist`,
    );
    expect(otherRegion.message).toContain(`arn:aws:kms:${SOURCE}:`);
    expect(otherRegionArn.message).toContain(key.Arn);
    expect([unknownAlias.$metadata.httpStatusCode, unknownAlias.$fault]).toEqual([400, 'client']);
  });

  it('answers a malformed ARN with InvalidArnException', async () => {
    // Act
    const error = await failure(
      kms(DR_REGION).send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-west-2:111122223333:nothing' })),
      KMSServiceException,
    );

    // Assess
    expect(error.name).toBe('InvalidArnException');
  });
});

describe('EC2 CopySnapshot over the wire', () => {
  it('copies a completed snapshot into the destination region: pending, then completed, tagged and encrypted with the key', async () => {
    // Prepare
    const key = seedDrKey(model);
    const source = completedSnapshot(200);
    const tags = [
      { Key: 'backup-pipeline:managed-by', Value: 'backup-pipeline' },
      { Key: 'backup-pipeline:source', Value: `arn:aws:ec2:${SOURCE}:${model.accountId}:volume/${source.VolumeId}` },
    ];
    const client = ec2(DR_REGION);

    // Act
    const copied = await client.send(
      new CopySnapshotCommand({
        SourceRegion: SOURCE,
        SourceSnapshotId: source.SnapshotId,
        Description: 'DR copy',
        Encrypted: true,
        KmsKeyId: DR_KEY_ALIAS,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
      }),
    );
    const id = copied.SnapshotId ?? '';
    const byId = new DescribeSnapshotsCommand({ SnapshotIds: [id] });
    const started = await client.send(byId);
    advance(((model.durationMs(DR_REGION, id) ?? 0) * 0.5) / 1000);
    const midway = await client.send(byId);
    advance((model.durationMs(DR_REGION, id) ?? 0) / 1000);
    const done = await client.send(byId);
    const byTag = await client.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [{ Name: 'tag:backup-pipeline:managed-by', Values: ['backup-pipeline'] }],
      }),
    );
    const inSource = await ec2(SOURCE).send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));

    // Assess
    expect(id).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(copied.Tags).toEqual(tags);
    expect(started.Snapshots?.[0]).toMatchObject({ State: 'pending', Progress: '0%' });
    expect(midway.Snapshots?.[0]?.State).toBe('pending');
    expect(Number.parseInt(midway.Snapshots?.[0]?.Progress ?? '', 10)).toBeGreaterThan(0);
    expect(done.Snapshots?.[0]).toMatchObject({
      SnapshotId: id,
      VolumeId: source.VolumeId,
      VolumeSize: 200,
      State: 'completed',
      Progress: '100%',
      Description: 'DR copy',
      Encrypted: true,
      KmsKeyId: key.Arn,
      Tags: tags,
    });
    expect(byTag.Snapshots?.map((s) => s.SnapshotId)).toContain(id);
    expect(inSource.Snapshots?.map((s) => s.SnapshotId)).not.toContain(id);
    expect(model.snapshotCopies(DR_REGION).find((s) => s.SnapshotId === id)?.copiedFrom).toEqual({
      region: SOURCE,
      id: source.SnapshotId,
    });
  });

  it('takes longer to copy a snapshot than to take one of the same volume', async () => {
    // Prepare
    const region = 'eu-central-1';
    const volume = model.addVolume(SOURCE, { Size: 100, snapshotSeconds: 600 });
    const source = model.addExistingSnapshot(SOURCE, {
      VolumeId: volume.VolumeId,
      VolumeSize: 100,
      startMs: 0,
    });

    // Act
    const fresh = await ec2(SOURCE).send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
    const copy = await ec2(region).send(
      new CopySnapshotCommand({ SourceRegion: SOURCE, SourceSnapshotId: source.SnapshotId }),
    );

    // Assess
    const freshMs = model.durationMs(SOURCE, fresh.SnapshotId ?? '') ?? 0;
    const copyMs = model.durationMs(region, copy.SnapshotId ?? '') ?? 0;
    expect(copyMs).toBeGreaterThan(freshMs);
  });

  it.each([
    ['InvalidSnapshot.NotFound', 'a snapshot that does not exist in the source region'],
    ['IncorrectState', 'a snapshot still pending'],
    ['InvalidKMSKey.NotFound', 'a key the destination region does not have'],
    ['InvalidParameterDependency', 'a key without Encrypted'],
    ['MissingParameter', 'no SourceRegion'],
  ] as const)('refuses %s: %s', async (code, _how) => {
    // Prepare
    const completed = completedSnapshot();
    const pendingVolume = model.addVolume(SOURCE, { Size: 50, snapshotSeconds: 3600 });
    const pending = model.createSnapshot(SOURCE, { VolumeId: pendingVolume.VolumeId });
    const inputs: Record<typeof code, ConstructorParameters<typeof CopySnapshotCommand>[0]> = {
      'InvalidSnapshot.NotFound': { SourceRegion: 'us-east-1', SourceSnapshotId: completed.SnapshotId },
      IncorrectState: { SourceRegion: SOURCE, SourceSnapshotId: pending.SnapshotId },
      'InvalidKMSKey.NotFound': {
        SourceRegion: SOURCE,
        SourceSnapshotId: completed.SnapshotId,
        Encrypted: true,
        KmsKeyId: 'alias/not-in-the-destination',
      },
      InvalidParameterDependency: {
        SourceRegion: SOURCE,
        SourceSnapshotId: completed.SnapshotId,
        KmsKeyId: DR_KEY_ALIAS,
      },
      MissingParameter: { SourceRegion: undefined as unknown as string, SourceSnapshotId: completed.SnapshotId },
    };

    // Act
    const error = await failure(ec2(DR_REGION).send(new CopySnapshotCommand(inputs[code])), EC2ServiceException);

    // Assess
    expect([error.name, error.$fault]).toEqual([code, 'client']);
  });

  it('refuses the 21st copy in progress into a region with ResourceLimitExceeded, and accepts one once a copy completes', async () => {
    // Prepare: RDS copies into the same region count against RDS's own 20, not EBS's.
    const region = 'ap-southeast-2';
    seedDrKey(model, region);
    const client = ec2(region);
    const copy = (snapshotId: string) =>
      client.send(new CopySnapshotCommand({ SourceRegion: SOURCE, SourceSnapshotId: snapshotId }));
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) ids.push((await copy(completedSnapshot(10 + n).SnapshotId)).SnapshotId ?? '');
    const db = completedDbSnapshot();

    // Act
    const refused = await failure(copy(completedSnapshot().SnapshotId), EC2ServiceException);
    const rdsCopy = await rds(region).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: db.arn,
        TargetDBSnapshotIdentifier: 'orders-dr',
        KmsKeyId: DR_KEY_ALIAS,
      }),
    );
    const inProgress = model.copiesInProgress(region);
    now = new Date(Math.min(...ids.map((id) => model.finishedAtMs(region, id) ?? Number.POSITIVE_INFINITY)));
    const accepted = await copy(completedSnapshot().SnapshotId);

    // Assess
    expect([refused.name, refused.$fault]).toEqual(['ResourceLimitExceeded', 'client']);
    expect(refused.message).toBe('Too many snapshot copies in progress. The limit is 20 for this destination region.');
    expect(pipelineNameOf(refused.name)).toBe('LimitExceededError');
    expect(rdsCopy.DBSnapshot?.Status).toBe('copying');
    expect(inProgress).toEqual({ ec2: 20, rds: 1 });
    expect(accepted.SnapshotId).toMatch(/^snap-/);
  });
});

describe('RDS CopyDBSnapshot over the wire', () => {
  it('copies a snapshot named by ARN into the destination region: copying with progress, then available', async () => {
    // Prepare
    const key = seedDrKey(model);
    const source = completedDbSnapshot();
    const client = rds(DR_REGION);
    const tags = [{ Key: 'backup-pipeline:managed-by', Value: 'backup-pipeline' }];
    const byId = new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `${source.id}-dr` });

    const received = jest.spyOn(model, 'copyDBSnapshot');

    // Act: the SDK adds a PreSignedUrl for the source region, which the emulator accepts.
    const copied = await client.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: source.arn,
        TargetDBSnapshotIdentifier: `${source.id}-dr`,
        KmsKeyId: DR_KEY_ALIAS,
        Tags: tags,
        CopyTags: true,
      }),
    );
    const durationMs = model.durationMs(DR_REGION, `${source.id}-dr`) ?? 0;
    advance(durationMs / 2000);
    const midway = await client.send(byId);
    advance(durationMs / 1000);
    const done = await client.send(byId);
    const inSource = await rds(SOURCE).send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders' }));

    // Assess
    expect(copied.DBSnapshot).toMatchObject({
      DBSnapshotIdentifier: `${source.id}-dr`,
      DBInstanceIdentifier: 'orders',
      DBSnapshotArn: `arn:aws:rds:${DR_REGION}:${model.accountId}:snapshot:${source.id}-dr`,
      Status: 'copying',
      PercentProgress: 0,
      SnapshotType: 'manual',
      Encrypted: true,
      KmsKeyId: key.Arn,
      SourceRegion: SOURCE,
      SourceDBSnapshotIdentifier: source.arn,
      TagList: [{ Key: 'team', Value: 'payments' }, ...tags],
    });
    expect(midway.DBSnapshots?.[0]?.Status).toBe('copying');
    expect(midway.DBSnapshots?.[0]?.PercentProgress).toBeGreaterThan(0);
    expect(midway.DBSnapshots?.[0]?.PercentProgress).toBeLessThan(100);
    expect(done.DBSnapshots?.[0]).toMatchObject({ Status: 'available', PercentProgress: 100 });
    expect(done.DBSnapshots).toEqual(
      model
        .dbSnapshotCopies(DR_REGION)
        .filter((s) => s.DBSnapshotIdentifier === `${source.id}-dr`)
        .map(({ copiedFrom: _, ...view }) => view),
    );
    expect(inSource.DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).not.toContain(`${source.id}-dr`);
    expect(received.mock.calls[0]?.[1].PreSignedUrl).toContain(`DestinationRegion=${DR_REGION}`);
    received.mockRestore();
  });

  it.each([
    ['DBSnapshotNotFound', 'DBSnapshotNotFoundFault', 404, 'a source that does not exist'],
    ['InvalidDBSnapshotState', 'InvalidDBSnapshotStateFault', 400, 'a source still being created'],
    ['DBSnapshotAlreadyExists', 'DBSnapshotAlreadyExistsFault', 400, 'a target identifier already taken'],
    [
      'InvalidParameterValue',
      'InvalidParameterValue',
      400,
      'a cross-region copy of an encrypted snapshot without KmsKeyId',
    ],
    ['KMSKeyNotAccessibleFault', 'KMSKeyNotAccessibleFault', 400, 'a key the destination region does not have'],
    ['SnapshotQuotaExceeded', 'SnapshotQuotaExceededFault', 400, 'the destination at its manual snapshots quota'],
  ] as const)('refuses %s (SDK %s, status %i): %s', async (code, sdkName, status, _how) => {
    // Prepare: each case in its own destination region.
    const region = `us-east-${code === 'SnapshotQuotaExceeded' ? 2 : 1}`;
    seedDrKey(model, region);
    const source = completedDbSnapshot();
    model.addDbInstance(SOURCE, { DBInstanceIdentifier: `busy-${dbCase}`, snapshotSeconds: 3600 });
    const creating = model.createDBSnapshot(SOURCE, {
      DBInstanceIdentifier: `busy-${dbCase}`,
      DBSnapshotIdentifier: `busy-${dbCase}-now`,
    });
    model.addExistingDbSnapshot(region, {
      DBSnapshotIdentifier: `taken-${dbCase}`,
      DBInstanceIdentifier: 'orders',
      startMs: 0,
    });
    const copy = (input: Partial<ConstructorParameters<typeof CopyDBSnapshotCommand>[0]>) =>
      rds(region).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: source.arn,
          TargetDBSnapshotIdentifier: `copy-${dbCase}`,
          KmsKeyId: DR_KEY_ALIAS,
          ...input,
        }),
      );
    const act: Record<typeof code, () => Promise<unknown>> = {
      DBSnapshotNotFound: () => copy({ SourceDBSnapshotIdentifier: model.dbSnapshotArn(SOURCE, 'missing') }),
      InvalidDBSnapshotState: () => copy({ SourceDBSnapshotIdentifier: creating.DBSnapshot.DBSnapshotArn }),
      DBSnapshotAlreadyExists: () => copy({ TargetDBSnapshotIdentifier: `taken-${dbCase}` }),
      InvalidParameterValue: () => copy({ KmsKeyId: undefined }),
      KMSKeyNotAccessibleFault: () => copy({ KmsKeyId: 'alias/not-in-the-destination' }),
      SnapshotQuotaExceeded: () => {
        model.limits.manualDbSnapshotsPerRegion = 1;
        return copy({}).finally(() => {
          model.limits.manualDbSnapshotsPerRegion = 100;
        });
      },
    };

    // Act
    const error = await failure(act[code](), RDSServiceException);

    // Assess
    expect([error.name, (error as { Code?: string }).Code, error.$metadata.httpStatusCode, error.$fault]).toEqual([
      sdkName,
      code,
      status,
      'client',
    ]);
  });

  it('refuses the 21st cross-region copy in progress into a region with SnapshotQuotaExceeded naming the copy limit', async () => {
    // Prepare: ten DB snapshot and ten cluster snapshot copies in progress: RDS counts them together.
    const region = 'ap-northeast-1';
    seedDrKey(model, region);
    const client = rds(region);
    for (let n = 0; n < 10; n++) {
      await client.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: completedDbSnapshot().arn,
          TargetDBSnapshotIdentifier: `limit-db-${n}`,
          KmsKeyId: DR_KEY_ALIAS,
        }),
      );
      await client.send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: completedClusterSnapshot().arn,
          TargetDBClusterSnapshotIdentifier: `limit-cluster-${n}`,
          KmsKeyId: DR_KEY_ALIAS,
        }),
      );
    }

    // Act
    const refused = await failure(
      client.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: completedDbSnapshot().arn,
          TargetDBSnapshotIdentifier: 'limit-db-21',
          KmsKeyId: DR_KEY_ALIAS,
        }),
      ),
      RDSServiceException,
    );

    // Assess
    expect([refused.name, (refused as { Code?: string }).Code]).toEqual([
      'SnapshotQuotaExceededFault',
      'SnapshotQuotaExceeded',
    ]);
    expect(refused.message).toBe('Cannot copy more than 20 snapshots across regions');
    expect(model.copiesInProgress(region)).toEqual({ ec2: 0, rds: 20 });
  });
});

describe('Aurora CopyDBClusterSnapshot over the wire', () => {
  it('copies a cluster snapshot named by ARN into the destination region: copying, then available', async () => {
    // Prepare
    const key = seedDrKey(model);
    const source = completedClusterSnapshot();
    const client = rds(DR_REGION);
    const target = `${source.id}-dr`;

    // Act
    const copied = await client.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: source.arn,
        TargetDBClusterSnapshotIdentifier: target,
        KmsKeyId: key.Arn,
        Tags: [{ Key: 'backup-pipeline:tier', Value: 'daily' }],
      }),
    );
    const durationMs = model.durationMs(DR_REGION, target) ?? 0;
    advance(durationMs / 2000);
    const midway = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: target }));
    advance(durationMs / 1000);
    const done = await client.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: target }));

    // Assess
    expect(copied.DBClusterSnapshot).toMatchObject({
      DBClusterSnapshotIdentifier: target,
      DBClusterIdentifier: 'ledger',
      DBClusterSnapshotArn: model.dbClusterSnapshotArn(DR_REGION, target),
      SourceDBClusterSnapshotArn: source.arn,
      Status: 'copying',
      SnapshotType: 'manual',
      StorageEncrypted: true,
      KmsKeyId: key.Arn,
      TagList: [{ Key: 'backup-pipeline:tier', Value: 'daily' }],
    });
    expect(midway.DBClusterSnapshots?.[0]?.Status).toBe('copying');
    expect(midway.DBClusterSnapshots?.[0]?.PercentProgress).toBeGreaterThan(0);
    expect(done.DBClusterSnapshots?.[0]).toMatchObject({ Status: 'available', PercentProgress: 100 });
  });

  it.each([
    ['DBClusterSnapshotNotFoundFault', 404, 'a source that does not exist'],
    ['InvalidDBClusterSnapshotStateFault', 400, 'a source still being created'],
    ['DBClusterSnapshotAlreadyExistsFault', 400, 'a target identifier already taken'],
    ['InvalidParameterValue', 400, 'a cross-region copy of an encrypted snapshot without KmsKeyId'],
    ['KMSKeyNotAccessibleFault', 400, 'a key the destination region does not have'],
  ] as const)('refuses %s (status %i): %s', async (code, status, _how) => {
    // Prepare
    const region = 'ca-central-1';
    seedDrKey(model, region);
    const source = completedClusterSnapshot();
    model.addDbCluster(SOURCE, { DBClusterIdentifier: `busy-${dbCase}`, snapshotSeconds: 3600, members: 0 });
    const creating = model.createDBClusterSnapshot(SOURCE, {
      DBClusterIdentifier: `busy-${dbCase}`,
      DBClusterSnapshotIdentifier: `busy-${dbCase}-now`,
    });
    model.addExistingDbClusterSnapshot(region, {
      DBClusterSnapshotIdentifier: `taken-${dbCase}`,
      DBClusterIdentifier: 'ledger',
      startMs: 0,
    });
    const copy = (input: Partial<ConstructorParameters<typeof CopyDBClusterSnapshotCommand>[0]>) =>
      rds(region).send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: source.arn,
          TargetDBClusterSnapshotIdentifier: `copy-${dbCase}`,
          KmsKeyId: DR_KEY_ALIAS,
          ...input,
        }),
      );
    const act: Record<typeof code, () => Promise<unknown>> = {
      DBClusterSnapshotNotFoundFault: () =>
        copy({ SourceDBClusterSnapshotIdentifier: model.dbClusterSnapshotArn(SOURCE, 'missing') }),
      InvalidDBClusterSnapshotStateFault: () =>
        copy({ SourceDBClusterSnapshotIdentifier: creating.DBClusterSnapshot.DBClusterSnapshotArn }),
      DBClusterSnapshotAlreadyExistsFault: () => copy({ TargetDBClusterSnapshotIdentifier: `taken-${dbCase}` }),
      InvalidParameterValue: () => copy({ KmsKeyId: undefined }),
      KMSKeyNotAccessibleFault: () => copy({ KmsKeyId: 'alias/not-in-the-destination' }),
    };

    // Act
    const error = await failure(act[code](), RDSServiceException);

    // Assess
    expect([error.name, error.$metadata.httpStatusCode, error.$fault]).toEqual([code, status, 'client']);
  });
});

describe('SDK mocks answer copies from the model', () => {
  let wiring: { restore(): void };
  const mocked = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
  beforeAll(() => {
    wiring = wireModelToSdk(mocked);
  });
  afterAll(() => wiring.restore());

  it('answers DescribeRegions, DescribeKey and the three copy calls in the calling client region', async () => {
    // Prepare
    const key = seedDrKey(mocked);
    const volume = mocked.addVolume(SOURCE, { Size: 20 });
    const snapshot = mocked.addExistingSnapshot(SOURCE, { VolumeId: volume.VolumeId, startMs: 0 });
    mocked.addExistingDbSnapshot(SOURCE, { DBSnapshotIdentifier: 'db-1', DBInstanceIdentifier: 'orders', startMs: 0 });
    mocked.addExistingDbClusterSnapshot(SOURCE, {
      DBClusterSnapshotIdentifier: 'cl-1',
      DBClusterIdentifier: 'ledger',
      startMs: 0,
    });
    const opts = { region: DR_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

    // Act
    const regions = await track(new EC2Client(opts)).send(new DescribeRegionsCommand({}));
    const described = await track(new KMSClient(opts)).send(new DescribeKeyCommand({ KeyId: DR_KEY_ALIAS }));
    const ebs = await track(new EC2Client(opts)).send(
      new CopySnapshotCommand({ SourceRegion: SOURCE, SourceSnapshotId: snapshot.SnapshotId }),
    );
    const db = await track(new RDSClient(opts)).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: mocked.dbSnapshotArn(SOURCE, 'db-1'),
        TargetDBSnapshotIdentifier: 'db-1-dr',
        KmsKeyId: DR_KEY_ALIAS,
      }),
    );
    const cluster = await track(new RDSClient(opts)).send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: mocked.dbClusterSnapshotArn(SOURCE, 'cl-1'),
        TargetDBClusterSnapshotIdentifier: 'cl-1-dr',
        KmsKeyId: DR_KEY_ALIAS,
      }),
    );
    const missingKey = await failure(
      track(new KMSClient(opts)).send(new DescribeKeyCommand({ KeyId: 'alias/nope' })),
      Error,
    );

    // Assess
    expect(regions.Regions?.map((r) => r.RegionName)).toContain(DR_REGION);
    expect(described.KeyMetadata?.Arn).toBe(key.Arn);
    expect(mocked.snapshotCopies(DR_REGION).map((s) => s.SnapshotId)).toEqual([ebs.SnapshotId]);
    expect(db.DBSnapshot).toMatchObject({ Status: 'copying', SourceRegion: SOURCE, KmsKeyId: key.Arn });
    expect(cluster.DBClusterSnapshot).toMatchObject({ Status: 'copying', KmsKeyId: key.Arn });
    expect(mocked.copiesInProgress(DR_REGION)).toEqual({ ec2: 1, rds: 2 });
    expect(missingKey.name).toBe('NotFoundException');
  });
});

describe('lost copy answers (serverErrorAfterCreateRate, tagFilterLagSeconds)', () => {
  it('makes the copy and then answers 500 (CopySnapshot, CopyDBSnapshot), and hides a new EBS copy from tag filters for the lag', async () => {
    // Prepare: every create answers 500 after it is made; tag filters lag a minute.
    const lossy = new AwsModel({
      clock: { now: () => now },
      tokenBuckets: false,
      faults: { serverErrorAfterCreateRate: 1, tagFilterLagSeconds: 60 },
    });
    const volume = lossy.addVolume(SOURCE, { Size: 10 });
    const snapshot = lossy.addExistingSnapshot(SOURCE, {
      VolumeId: volume.VolumeId,
      startMs: now.getTime() - 3_600_000,
    });
    lossy.addExistingDbSnapshot(SOURCE, {
      DBSnapshotIdentifier: 'orders-lossy',
      DBInstanceIdentifier: 'orders',
      startMs: now.getTime() - 3_600_000,
    });
    const key = lossy.addKmsKey(DR_REGION, { alias: 'alias/backup-dr' });
    const tag = { Key: 'backup-pipeline:run-id', Value: 'run-lossy' };

    // Act
    const copy = () =>
      lossy.copySnapshot(DR_REGION, {
        SourceRegion: SOURCE,
        SourceSnapshotId: snapshot.SnapshotId,
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: [tag] }],
      });
    const dbCopy = () =>
      lossy.copyDBSnapshot(DR_REGION, {
        SourceDBSnapshotIdentifier: lossy.dbSnapshotArn(SOURCE, 'orders-lossy'),
        TargetDBSnapshotIdentifier: 'orders-lossy',
        KmsKeyId: key.Arn,
      });
    const byTag = () =>
      lossy.describeSnapshots(DR_REGION, { Filters: [{ Name: `tag:${tag.Key}`, Values: [tag.Value] }] }).Snapshots;

    // Assess: each copy exists though its answer was a 500; the EBS copy shows by tag only after the lag.
    expect(copy).toThrow(expect.objectContaining({ name: 'InternalError' }));
    expect(dbCopy).toThrow(expect.objectContaining({ name: 'InternalFailure' }));
    expect(lossy.snapshots(DR_REGION)).toHaveLength(1);
    expect(lossy.dbSnapshots(DR_REGION).map((s) => s.DBSnapshotIdentifier)).toEqual(['orders-lossy']);
    expect(byTag()).toEqual([]);
    advance(60);
    expect(byTag()?.map((s) => s.SnapshotId)).toEqual([lossy.snapshots(DR_REGION)[0]?.SnapshotId]);
  });
});
