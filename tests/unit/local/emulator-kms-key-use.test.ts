/**
 * Keys the emulator's services use on the caller's behalf, through the real EC2 and RDS clients. A
 * customer managed key is used only when it exists in the region, is enabled and the caller's policy
 * allows each key action the service performs (the model's authorizer; the workflow sandbox wires it to
 * the stack's grants). A refusal surfaces as AWS surfaces it: EBS accepts the create and the volume goes
 * `creating` → `error`, an instance `pending` → `terminated` with Client.InternalError, a snapshot copy
 * fails; RDS answers KMSKeyNotAccessibleFault. AWS managed keys need no grant. RDS snapshots keep their
 * instance's encryption: an unencrypted instance's snapshot and restore are unencrypted.
 */
import {
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import type { KeyUse } from '../../../local/model';
import { EMULATOR_REGION, serviceFailure, useEmulator } from '../../support/emulator-harness';

const REGION = EMULATOR_REGION;
const OTHER_REGION = 'us-west-2';
const hour = 3_600_000;

const ec2 = useEmulator((config) => new EC2Client(config));
const rds = useEmulator((config) => new RDSClient(config));
const rdsFailure = (call: Promise<unknown>) => serviceFailure(call, RDSServiceException, 'an RDS');

/** An authorizer that records each use and refuses the actions named. */
function authorize(model: typeof ec2.model, refuse: string[] = []) {
  const uses: KeyUse[] = [];
  model.setKeyUseAuthorizer((use) => {
    uses.push(use);
    return !refuse.includes(use.action);
  });
  return uses;
}

/** A completed EBS snapshot, encrypted under `KmsKeyId` when given (aws/ebs otherwise). */
function snapshotUnder(KmsKeyId?: string) {
  const volume = ec2.model.addVolume(REGION, { Size: 20 });
  return ec2.model.addExistingSnapshot(REGION, {
    VolumeId: volume.VolumeId,
    VolumeSize: 20,
    startMs: ec2.now().getTime() - hour,
    ...(KmsKeyId ? { KmsKeyId } : {}),
  });
}

async function volumeFrom(snapshotId: string) {
  const created = await ec2
    .client()
    .send(new CreateVolumeCommand({ SnapshotId: snapshotId, AvailabilityZone: `${REGION}a` }));
  return created.VolumeId ?? '';
}

const volumeState = async (id: string) =>
  (await ec2.client().send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0]?.State;

describe('EBS using a key for the caller', () => {
  it('uses a customer managed key for CreateVolume as far as the caller is allowed each action EBS performs, through EC2 of the region', async () => {
    // Prepare
    const key = ec2.model.addKmsKey(REGION, { alias: 'ebs-allowed' });
    const uses = authorize(ec2.model);
    const underKey = snapshotUnder(key.Arn);
    const managed = snapshotUnder();

    // Act
    const id = await volumeFrom(underKey.SnapshotId);
    const fromManaged = await volumeFrom(managed.SnapshotId);
    ec2.advance(600);

    // Assess: available, and each use asked through EC2 with CreateGrant for an AWS resource; the AWS
    // managed key (aws/ebs) needs no grant of the caller.
    expect([await volumeState(id), await volumeState(fromManaged)]).toEqual(['available', 'available']);
    const via = { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` };
    expect(uses).toEqual([
      {
        region: REGION,
        keyArn: key.Arn,
        action: 'kms:CreateGrant',
        keys: { ...via, 'kms:GrantIsForAWSResource': 'true' },
      },
      ...[
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ].map((action) => ({ region: REGION, keyArn: key.Arn, action, keys: via })),
    ]);
  });

  it('makes a volume from a snapshot whose key is disabled, missing in the region or refused to the caller creating, then error', async () => {
    // Prepare
    authorize(ec2.model, ['kms:ReEncryptTo']);
    const disabled = ec2.model.addKmsKey(REGION, { alias: 'ebs-disabled' });
    ec2.model.disableKmsKey(REGION, disabled.Arn);
    const elsewhere = ec2.model.addKmsKey(OTHER_REGION, { alias: 'ebs-elsewhere' });
    const refused = ec2.model.addKmsKey(REGION, { alias: 'ebs-refused' });

    // Act
    const ids = [];
    for (const key of [disabled, elsewhere, refused]) ids.push(await volumeFrom(snapshotUnder(key.Arn).SnapshotId));
    const creating = await Promise.all(ids.map(volumeState));
    ec2.advance(600);
    const later = await Promise.all(ids.map(volumeState));

    // Assess
    expect(ec2.model.describeKey(REGION, { KeyId: disabled.Arn }).KeyMetadata).toMatchObject({
      Enabled: false,
      KeyState: 'Disabled',
    });
    expect(creating).toEqual(['creating', 'creating', 'creating']);
    expect(later).toEqual(['error', 'error', 'error']);
  });

  it('launches from an AMI whose snapshot key is refused: pending, then terminated with Client.InternalError, no volume made', async () => {
    // Prepare
    authorize(ec2.model, ['kms:CreateGrant']);
    const key = ec2.model.addKmsKey(REGION, { alias: 'ami-refused' });
    const image = ec2.model.addImage(REGION, {
      Name: 'refused',
      snapshotIds: [snapshotUnder(key.Arn).SnapshotId],
      Tags: [],
    });

    // Act
    const launched = await ec2
      .client()
      .send(new RunInstancesCommand({ ImageId: image.ImageId, MinCount: 1, MaxCount: 1 }));
    const id = launched.Instances?.[0]?.InstanceId ?? '';
    const describe = async () =>
      (await ec2.client().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    const first = await describe();
    ec2.advance(120);
    const later = await describe();

    // Assess
    expect(first?.State?.Name).toBe('pending');
    expect(first?.StateReason).toBeUndefined();
    expect(later).toMatchObject({
      State: { Name: 'terminated' },
      StateReason: { Code: 'Client.InternalError', Message: 'Client.InternalError: Client error on launch' },
    });
    expect(later?.BlockDeviceMappings).toEqual([]);
  });

  it('fails a snapshot copy under a key refused to the caller or from a source whose key is disabled (error), and copies under one it may use', () => {
    // Prepare: CopySnapshot is called in the destination region.
    const refusedUses = authorize(ec2.model, ['kms:GenerateDataKeyWithoutPlaintext']);
    const key = ec2.model.addKmsKey(OTHER_REGION, { alias: 'copy-key' });
    const source = snapshotUnder();
    const sourceKey = ec2.model.addKmsKey(REGION, { alias: 'copy-source-off' });
    const disabledSource = snapshotUnder(sourceKey.Arn);
    ec2.model.disableKmsKey(REGION, sourceKey.KeyId);
    const copy = (KmsKeyId: string, from = source) =>
      ec2.model.copySnapshot(OTHER_REGION, {
        SourceRegion: REGION,
        SourceSnapshotId: from.SnapshotId,
        Encrypted: true,
        KmsKeyId,
      }).SnapshotId;

    // Act
    const refused = copy(key.Arn);
    authorize(ec2.model);
    const allowed = copy('alias/copy-key');
    const fromDisabled = copy('alias/copy-key', disabledSource);
    ec2.advance(6 * 3600);
    const states = ec2.model.describeSnapshots(OTHER_REGION, {
      SnapshotIds: [refused, allowed, fromDisabled],
    }).Snapshots;

    // Assess
    expect(states?.map((s) => s.State)).toEqual(['error', 'completed', 'error']);
    expect(refusedUses[0]?.keys['kms:ViaService']).toBe(`ec2.${OTHER_REGION}.amazonaws.com`);
  });
});

describe('RDS using a key for the caller', () => {
  it('refuses restores, an encrypted cluster member and a copy under a disabled, missing or refused key with KMSKeyNotAccessibleFault', async () => {
    // Prepare: snapshots under a disabled key, a key of another region, and a key the caller may not use.
    const { model } = rds;
    authorize(model, ['kms:DescribeKey']);
    const disabled = model.addKmsKey(REGION, { alias: 'rds-disabled' });
    model.disableKmsKey(REGION, 'alias/rds-disabled');
    const elsewhere = model.addKmsKey(OTHER_REGION, { alias: 'rds-elsewhere' });
    const refused = model.addKmsKey(REGION, { alias: 'rds-refused' });
    const snapshots = [disabled, elsewhere, refused].map((key, n) => {
      model.addDbInstance(REGION, { DBInstanceIdentifier: `keyed-${n}`, KmsKeyId: key.Arn });
      return model.addExistingDbSnapshot(REGION, {
        DBSnapshotIdentifier: `keyed-${n}-snap`,
        DBInstanceIdentifier: `keyed-${n}`,
        KmsKeyId: key.Arn,
        startMs: rds.now().getTime() - hour,
      }).DBSnapshotIdentifier;
    });
    model.addDbCluster(REGION, { DBClusterIdentifier: 'vault', KmsKeyId: refused.Arn });
    model.addExistingDbClusterSnapshot(REGION, {
      DBClusterSnapshotIdentifier: 'vault-snap',
      DBClusterIdentifier: 'vault',
      KmsKeyId: refused.Arn,
      startMs: rds.now().getTime() - hour,
    });
    const client = rds.client();

    // Act
    const restores = await Promise.all(
      snapshots.map((id, n) =>
        rdsFailure(
          client.send(
            new RestoreDBInstanceFromDBSnapshotCommand({
              DBInstanceIdentifier: `restored-${n}`,
              DBSnapshotIdentifier: id,
            }),
          ),
        ),
      ),
    );
    const cluster = await rdsFailure(
      client.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'vault-restored',
          SnapshotIdentifier: 'vault-snap',
          Engine: 'aurora-postgresql',
        }),
      ),
    );
    const member = await rdsFailure(
      client.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'vault-2',
          DBClusterIdentifier: 'vault',
          DBInstanceClass: 'db.r7g.large',
          Engine: 'aurora-postgresql',
        }),
      ),
    );
    const copy = await rdsFailure(
      client.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: snapshots[2],
          TargetDBSnapshotIdentifier: 'keyed-copy',
          KmsKeyId: refused.Arn,
        }),
      ),
    );

    // Assess
    for (const error of [...restores, cluster, member, copy]) expect(error.name).toBe('KMSKeyNotAccessibleFault');
    expect(restores.map((e) => e.message)).toEqual([
      expect.stringContaining('is disabled'),
      expect.stringContaining(`does not exist in ${REGION}`),
      expect.stringContaining('not authorized to perform: kms:DescribeKey'),
    ]);
    expect(model.describeDBInstances(REGION, {}).DBInstances?.map((d) => d.DBInstanceIdentifier)).not.toContain(
      'restored-0',
    );
  });

  it("keeps an unencrypted instance's snapshot and restore unencrypted, and encrypts a copy made under a key", async () => {
    // Prepare
    const { model } = rds;
    const uses = authorize(model);
    const key = model.addKmsKey(REGION, { alias: 'plain-copy' });
    model.addDbInstance(REGION, { DBInstanceIdentifier: 'plain', StorageEncrypted: false });
    const client = rds.client();

    // Act
    await client.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'plain', DBSnapshotIdentifier: 'plain-snap' }),
    );
    rds.advance(6 * 3600);
    await client.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'plain-restored',
        DBSnapshotIdentifier: 'plain-snap',
      }),
    );
    await client.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: 'plain-snap',
        TargetDBSnapshotIdentifier: 'plain-encrypted',
        KmsKeyId: key.Arn,
      }),
    );
    const snapshots = await client.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'plain' }));
    const restored = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'plain-restored' }));

    // Assess: no key used for the unencrypted restore; the copy's key used through RDS.
    const byId = Object.fromEntries((snapshots.DBSnapshots ?? []).map((s) => [s.DBSnapshotIdentifier, s]));
    expect(byId['plain-snap']).toMatchObject({ Encrypted: false });
    expect(byId['plain-snap']?.KmsKeyId).toBeUndefined();
    expect(byId['plain-encrypted']).toMatchObject({ Encrypted: true, KmsKeyId: key.Arn });
    expect(restored.DBInstances?.[0]?.StorageEncrypted).toBe(false);
    expect(new Set(uses.map((u) => `${u.keyArn} ${u.keys['kms:ViaService']}`))).toEqual(
      new Set([`${key.Arn} rds.${REGION}.amazonaws.com`]),
    );
  });

  it('keeps an unencrypted cluster unencrypted: its snapshot, its copy (a KmsKeyId refused for it) and its restore', () => {
    // Prepare
    const { model } = rds;
    authorize(model);
    const key = model.addKmsKey(OTHER_REGION, { alias: 'cluster-dr' });
    model.addDbCluster(REGION, { DBClusterIdentifier: 'plain-cluster', StorageEncrypted: false, members: 1 });
    model.createDBClusterSnapshot(REGION, {
      DBClusterIdentifier: 'plain-cluster',
      DBClusterSnapshotIdentifier: 'plain-cluster-snap',
    });
    rds.advance(6 * 3600);
    const source = model.dbClusterSnapshotArn(REGION, 'plain-cluster-snap');
    const copy = (KmsKeyId?: string) => () =>
      model.copyDBClusterSnapshot(OTHER_REGION, {
        SourceDBClusterSnapshotIdentifier: source,
        TargetDBClusterSnapshotIdentifier: 'plain-cluster-dr',
        ...(KmsKeyId ? { KmsKeyId } : {}),
      });

    // Act
    const member = model.describeDBInstances(REGION, { DBInstanceIdentifier: 'plain-cluster-instance-1' });
    expect(copy(key.Arn)).toThrow(/not encrypted: a KmsKeyId cannot be given/);
    const copied = copy()();
    rds.advance(6 * 3600);
    const restored = model.restoreDBClusterFromSnapshot(OTHER_REGION, {
      DBClusterIdentifier: 'plain-cluster-restored',
      SnapshotIdentifier: 'plain-cluster-dr',
      Engine: 'aurora-postgresql',
    });

    // Assess
    expect(member.DBInstances?.[0]?.StorageEncrypted).toBe(false);
    expect(
      model.dbClusterSnapshots(REGION).find((c) => c.DBClusterSnapshotIdentifier === 'plain-cluster-snap'),
    ).toMatchObject({ StorageEncrypted: false });
    expect(copied.DBClusterSnapshot).toMatchObject({ StorageEncrypted: false });
    expect(copied.DBClusterSnapshot.KmsKeyId).toBeUndefined();
    expect(restored.DBCluster.StorageEncrypted).toBe(false);
  });
});
