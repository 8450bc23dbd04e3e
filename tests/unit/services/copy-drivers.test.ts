/**
 * The drivers' cross-region copies against mocked EC2 and RDS: EBS snapshots copied per snapshot in
 * the destination (found first by the run's tags, since CopySnapshot has no client token), RDS and
 * Aurora snapshots under the same identifier in the destination from the source ARN, the tags, the
 * key, and each copy limit turned into the ASL's LimitExceededError (RDS's 100-snapshot quota stays
 * a QuotaExceededError).
 */
import { CopyImageCommand, CopySnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { InvalidResourceStateError, LimitExceededError, QuotaExceededError } from '../../../shared/errors';
import type { ResourceRef } from '../../../shared/resource';
import type { CopyRequest } from '../../../shared/services/driver';
import { ebsVolumeDriver } from '../../../shared/services/ec2/ebs-volume';
import { ec2InstanceDriver } from '../../../shared/services/ec2/ec2-instance';
import { auroraClusterDriver } from '../../../shared/services/rds/aurora-cluster';
import { rdsInstanceDriver } from '../../../shared/services/rds/rds-instance';
import { TAG } from '../../../shared/tags';
import { mockedClient } from '../../support/driver-harness';
import { ACCOUNT, ownedTags, ownershipValues, REGION } from '../../support/unit-fixtures';
import { ec2Error, volumeRef } from './ec2/fixtures';
import { clusterRef, dbRef, rdsError } from './rds/fixtures';

const ec2 = mockedClient(EC2Client);
const rds = mockedClient(RDSClient);

const KEY = 'arn:aws:kms:us-west-2:111122223333:key/k';
const copyRequest = (resource: ResourceRef, backupIds: string[], kmsKeyId: string | null = KEY): CopyRequest => ({
  resource,
  backupIds,
  region: 'us-west-2',
  kmsKeyId: kmsKeyId ?? undefined,
  tags: ownershipValues(resource),
  runId: 'run-1',
});
const regionOf = async (call: { thisValue: unknown }) =>
  (call.thisValue as { config: { region: () => Promise<string> } }).config.region();

describe('EBS copies', () => {
  const volume = volumeRef();

  it('copies each snapshot into the destination with the original tags, the source region and the key', async () => {
    // Prepare: nothing copied yet.
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).resolvesOnce({ SnapshotId: 'snap-c1' }).resolvesOnce({ SnapshotId: 'snap-c2' });

    // Act
    const out = await ebsVolumeDriver.copy?.(volume, copyRequest(volume, ['snap-1', 'snap-2']));

    // Assess
    expect(out).toEqual({ copyIds: ['snap-c1', 'snap-c2'], reused: false });
    expect(ec2).toHaveReceivedCommandWith(CopySnapshotCommand, {
      SourceRegion: REGION,
      SourceSnapshotId: 'snap-1',
      Encrypted: true,
      KmsKeyId: KEY,
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: expect.arrayContaining([
            { Key: TAG.managedBy, Value: 'BackupPipeline' },
            { Key: TAG.source, Value: volume.arn },
            { Key: TAG.sourceRegion, Value: REGION },
            { Key: TAG.copyOf, Value: 'snap-1' },
          ]),
        },
      ],
    });
    expect(await regionOf(ec2.commandCalls(CopySnapshotCommand)[0] as never)).toBe('us-west-2');
  });

  it('finds the copies an earlier attempt made by their tags and starts only the missing one', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-c1', State: 'pending', Tags: [{ Key: TAG.copyOf, Value: 'snap-1' }] }],
    });
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-c2' });
    const out = await ebsVolumeDriver.copy?.(volume, copyRequest(volume, ['snap-1', 'snap-2']));
    expect(out).toMatchObject({ copyIds: ['snap-c1', 'snap-c2'] });
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      Filters: [
        { Name: `tag:${TAG.runId}`, Values: ['run-1'] },
        { Name: `tag:${TAG.source}`, Values: [volume.arn] },
      ],
    });
  });

  it('announces each CopySnapshot (no client token) before calling it, never a copy it found', async () => {
    // Prepare: snap-1's copy exists; snap-2 and snap-3 are copied.
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: 'snap-c1', State: 'pending', Tags: [{ Key: TAG.copyOf, Value: 'snap-1' }] }],
    });
    const order: string[] = [];
    ec2.on(CopySnapshotCommand).callsFake((input: { SourceSnapshotId: string }) => {
      order.push(`copy ${input.SourceSnapshotId}`);
      return { SnapshotId: `copy-of-${input.SourceSnapshotId}` };
    });

    // Act
    await ebsVolumeDriver.copy?.(volume, {
      ...copyRequest(volume, ['snap-1', 'snap-2', 'snap-3']),
      beforeKeylessCopy: async () => {
        order.push('noted');
      },
    });

    // Assess
    expect(order).toEqual(['noted', 'copy snap-2', 'noted', 'copy snap-3']);
  });

  it('turns the concurrent-copy limit (ResourceLimitExceeded) into LimitExceededError', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).rejects(ec2Error('ResourceLimitExceeded', 'Too many snapshot copies in progress.'));
    await expect(ebsVolumeDriver.copy?.(volume, copyRequest(volume, ['snap-1']))).rejects.toThrow(LimitExceededError);
  });

  it('copies without a key into the region default when none is given', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-c1' });
    await ebsVolumeDriver.copy?.(volume, copyRequest(volume, ['snap-1'], null));
    const input = ec2.commandCalls(CopySnapshotCommand)[0]?.args[0].input;
    expect(input?.KmsKeyId).toBeUndefined();
    expect(input?.Encrypted).toBeUndefined();
  });
});

describe('AMI copies', () => {
  it('copies the image into the destination with a client token per image and region, tags on image and snapshots', async () => {
    // Prepare
    const instance: ResourceRef = {
      ...volumeRef(),
      arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
      type: 'ec2-instance',
      id: 'i-0123456789abcdef0',
      mode: 'ami',
    };
    ec2.on(CopyImageCommand).resolves({ ImageId: 'ami-copy' });

    // Act
    const first = await ec2InstanceDriver.copy?.(instance, copyRequest(instance, ['ami-0123456789abcdef0']));
    await ec2InstanceDriver.copy?.(instance, copyRequest(instance, ['ami-0123456789abcdef0']));

    // Assess
    expect(first).toEqual({ copyIds: ['ami-copy'], reused: false });
    const inputs = ec2.commandCalls(CopyImageCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({
      SourceImageId: 'ami-0123456789abcdef0',
      SourceRegion: REGION,
      Encrypted: true,
      KmsKeyId: KEY,
      TagSpecifications: [
        { ResourceType: 'image', Tags: expect.arrayContaining([{ Key: TAG.sourceRegion, Value: REGION }]) },
        { ResourceType: 'snapshot', Tags: expect.arrayContaining([{ Key: TAG.source, Value: instance.arn }]) },
      ],
    });
    expect(inputs[1]?.ClientToken).toBe(inputs[0]?.ClientToken);
    expect(ec2).toHaveReceivedCommandTimes(CopySnapshotCommand, 0);
  });
});

describe('RDS copies', () => {
  const db = dbRef('orders');
  const ID = 'bp-run-1-0123abcd-orders';

  it('copies from the source ARN under the same identifier with the key and the source-region tag', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound'));
    rds.on(CopyDBSnapshotCommand).resolves({});
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).resolves.toEqual({
      copyIds: [ID],
      reused: false,
    });
    expect(rds).toHaveReceivedCommandWith(CopyDBSnapshotCommand, {
      SourceDBSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:${ID}`,
      TargetDBSnapshotIdentifier: ID,
      KmsKeyId: KEY,
      Tags: expect.arrayContaining([{ Key: TAG.sourceRegion, Value: REGION }]),
    });
  });

  it('reuses its own copy found in the destination, and refuses a same-named one of another run', async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: ID, TagList: ownedTags(db) }] });
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).resolves.toEqual({ copyIds: [ID], reused: true });
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [{ DBSnapshotIdentifier: ID, TagList: ownedTags(db, 'run-0') }],
    });
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).rejects.toThrow(InvalidResourceStateError);
    expect(rds).toHaveReceivedCommandTimes(CopyDBSnapshotCommand, 0);
  });

  it('adopts its own copy when CopyDBSnapshot finds the identifier taken (a retry of a call whose answer was lost)', async () => {
    // Prepare: not there at the lookup; the copy call meets the copy an SDK retry's first try made.
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(rdsError('DBSnapshotNotFound'))
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: ID, TagList: ownedTags(db) }] });
    rds.on(CopyDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExists'));

    // Act / Assess
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).resolves.toEqual({ copyIds: [ID], reused: true });
  });

  it("refuses a taken identifier that is not this run's copy", async () => {
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejectsOnce(rdsError('DBSnapshotNotFound'))
      .resolves({ DBSnapshots: [{ DBSnapshotIdentifier: ID, TagList: ownedTags(db, 'run-0') }] });
    rds.on(CopyDBSnapshotCommand).rejects(rdsError('DBSnapshotAlreadyExists'));
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).rejects.toThrow(InvalidResourceStateError);
  });

  it("names the DR option group: the source's recorded one, or the one copyTo[].optionGroups maps it to", async () => {
    // Prepare: Plan recorded the instance's own option group; nothing is described for it.
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound'));
    rds.on(CopyDBSnapshotCommand).resolves({});
    const recorded = { restoreSettings: { dbInstanceClass: 'db.r7g.large', optionGroupName: 'orders-opts' } };

    // Act
    await rdsInstanceDriver.copy?.(db, { ...copyRequest(db, [ID]), ...recorded });
    await rdsInstanceDriver.copy?.(db, {
      ...copyRequest(db, [ID]),
      ...recorded,
      optionGroups: { 'orders-opts': 'orders-opts-dr' },
    });
    await rdsInstanceDriver.copy?.(db, {
      ...copyRequest(db, [ID]),
      restoreSettings: { dbInstanceClass: 'db.t4g.small' },
    });

    // Assess
    const named = rds.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.OptionGroupName);
    expect(named).toEqual(['orders-opts', 'orders-opts-dr', undefined]);
    expect(rds).toHaveReceivedCommandTimes(DescribeDBSnapshotsCommand, 3);
  });

  it("reads the source snapshot's option group when Plan recorded none, and names no default group", async () => {
    // Prepare
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: ID })
      .rejectsOnce(rdsError('DBSnapshotNotFound'))
      .resolvesOnce({ DBSnapshots: [{ DBSnapshotIdentifier: ID, OptionGroupName: 'orders-opts' }] })
      .rejectsOnce(rdsError('DBSnapshotNotFound'))
      .resolvesOnce({ DBSnapshots: [{ DBSnapshotIdentifier: ID, OptionGroupName: 'default:oracle-ee-19' }] });
    rds.on(CopyDBSnapshotCommand).resolves({});

    // Act
    await rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]));
    await rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]));

    // Assess
    const named = rds.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.OptionGroupName);
    expect(named).toEqual(['orders-opts', undefined]);
  });

  it('answers a copy refused for an option group the DR region lacks with what to create or map', async () => {
    // Prepare
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound'));
    rds.on(CopyDBSnapshotCommand).rejects(rdsError('OptionGroupNotFoundFault', 'OptionGroup not found: orders-opts'));
    const request = {
      ...copyRequest(db, [ID]),
      restoreSettings: { dbInstanceClass: 'db.r7g.large', optionGroupName: 'orders-opts' },
    };

    // Act
    const out = await rdsInstanceDriver.copy?.(db, request);

    // Assess
    expect(out).toEqual({ refused: expect.stringContaining('option group orders-opts does not exist in us-west-2') });
    expect(out).toEqual({ refused: expect.stringContaining('copyTo[].optionGroups') });
  });

  it.each([
    ['Cannot copy more than 20 snapshots across regions', LimitExceededError],
    ['Cannot create more than 100 manual snapshots', QuotaExceededError],
  ])('reads SnapshotQuotaExceeded "%s" as %p', async (message, expected) => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('DBSnapshotNotFound'));
    rds.on(CopyDBSnapshotCommand).rejects(rdsError('SnapshotQuotaExceeded', message));
    await expect(rdsInstanceDriver.copy?.(db, copyRequest(db, [ID]))).rejects.toBeInstanceOf(expected);
  });
});

describe('Aurora copies', () => {
  it('copies the cluster snapshot from its source ARN under the same identifier, limited like RDS', async () => {
    const cluster = clusterRef('ledger');
    const ID = 'bp-run-1-0123abcd-ledger';
    // No copy in the destination yet; the source (described next) is encrypted.
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(rdsError('DBClusterSnapshotNotFoundFault'))
      .resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, StorageEncrypted: true }] });
    rds.on(CopyDBClusterSnapshotCommand).resolvesOnce({});
    await expect(auroraClusterDriver.copy?.(cluster, copyRequest(cluster, [ID]))).resolves.toEqual({
      copyIds: [ID],
      reused: false,
    });
    expect(rds).toHaveReceivedCommandWith(CopyDBClusterSnapshotCommand, {
      SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:${ID}`,
      TargetDBClusterSnapshotIdentifier: ID,
      KmsKeyId: KEY,
    });
    rds.reset();
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(rdsError('DBClusterSnapshotNotFoundFault'))
      .resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, StorageEncrypted: true }] });
    rds
      .on(CopyDBClusterSnapshotCommand)
      .rejects(rdsError('SnapshotQuotaExceeded', 'Cannot copy more than 20 snapshots across regions'));
    await expect(auroraClusterDriver.copy?.(cluster, copyRequest(cluster, [ID]))).rejects.toThrow(LimitExceededError);
  });

  it('copies an unencrypted cluster snapshot without the copy key, which RDS refuses for it', async () => {
    const cluster = clusterRef('ledger');
    const ID = 'bp-run-1-0123abcd-ledger';
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(rdsError('DBClusterSnapshotNotFoundFault'))
      .resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, StorageEncrypted: false }] });
    rds.on(CopyDBClusterSnapshotCommand).resolvesOnce({});
    await expect(auroraClusterDriver.copy?.(cluster, copyRequest(cluster, [ID]))).resolves.toEqual({
      copyIds: [ID],
      reused: false,
    });
    const [call] = rds.commandCalls(CopyDBClusterSnapshotCommand);
    expect(call?.args[0].input.KmsKeyId).toBeUndefined();
  });

  it('adopts its own cluster snapshot copy when the identifier is taken (a call whose answer was lost)', async () => {
    const cluster = clusterRef('ledger');
    const ID = 'bp-run-1-0123abcd-ledger';
    rds
      .on(DescribeDBClusterSnapshotsCommand)
      .rejectsOnce(rdsError('DBClusterSnapshotNotFoundFault'))
      .resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: ID, TagList: ownedTags(cluster) }] });
    rds.on(CopyDBClusterSnapshotCommand).rejects(rdsError('DBClusterSnapshotAlreadyExistsFault'));
    await expect(auroraClusterDriver.copy?.(cluster, copyRequest(cluster, [ID]))).resolves.toEqual({
      copyIds: [ID],
      reused: true,
    });
  });
});
