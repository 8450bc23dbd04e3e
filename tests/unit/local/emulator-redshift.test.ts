/**
 * The emulator's Redshift wire protocol (awsQuery), through the real RedshiftClient: clusters with Tags
 * and their snapshot copy configuration, CreateClusterSnapshot with Tags and a retention, the snapshot's
 * progress on a moving clock, Redshift's refusals as the SDK's own exceptions with Redshift's statuses,
 * retention ending a manual snapshot, and a copy made by Redshift into the destination region.
 */
import {
  ClusterNotFoundFault,
  ClusterSnapshotAlreadyExistsFault,
  ClusterSnapshotQuotaExceededFault,
  CreateClusterSnapshotCommand,
  CreateSnapshotCopyGrantCommand,
  DeleteClusterSnapshotCommand,
  DescribeClusterSnapshotsCommand,
  DescribeClustersCommand,
  EnableSnapshotCopyCommand,
  InvalidClusterStateFault,
  InvalidRetentionPeriodFault,
  RedshiftClient,
  RestoreFromClusterSnapshotCommand,
} from '@aws-sdk/client-redshift';
import { toPipelineError } from '../../../shared/errors';
import { EMULATOR_REGION as REGION, useEmulator } from '../../support/emulator-harness';

const DR = 'us-west-2';
const emu = useEmulator((config) => new RedshiftClient(config));
const clients: RedshiftClient[] = [];
/** A client of the same emulator in another region (a copy's destination, a cluster's home). */
async function inRegion(region: string): Promise<RedshiftClient> {
  const endpoint = await emu.client().config.endpoint?.();
  const client = new RedshiftClient({
    region,
    endpoint: `${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}${endpoint?.path ?? ''}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}
afterAll(() => {
  for (const client of clients) client.destroy();
});

describe('Redshift on the emulator', () => {
  it('describes clusters with their tags and snapshot copy configuration; a missing one is ClusterNotFound (404)', async () => {
    emu.model.addRedshiftCluster(REGION, { ClusterIdentifier: 'dw', Tags: [{ Key: 'backup', Value: 'true' }] });
    emu.model.enableSnapshotCopy(REGION, { ClusterIdentifier: 'dw', DestinationRegion: DR });
    const out = await emu.client().send(new DescribeClustersCommand({ TagKeys: ['backup'] }));
    expect(out.Clusters?.[0]).toMatchObject({
      ClusterIdentifier: 'dw',
      ClusterStatus: 'available',
      Tags: [{ Key: 'backup', Value: 'true' }],
      ClusterSnapshotCopyStatus: { DestinationRegion: DR, ManualSnapshotRetentionPeriod: -1 },
    });
    const missing = await emu
      .client()
      .send(new DescribeClustersCommand({ ClusterIdentifier: 'nope' }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ClusterNotFoundFault);
    expect((missing as ClusterNotFoundFault).$metadata.httpStatusCode).toBe(404);
  });

  it('takes a manual snapshot with tags and a retention, reports its progress, and refuses what Redshift refuses', async () => {
    emu.model.addRedshiftCluster(REGION, { ClusterIdentifier: 'snap', snapshotSeconds: 1000 });
    const created = await emu.client().send(
      new CreateClusterSnapshotCommand({
        ClusterIdentifier: 'snap',
        SnapshotIdentifier: 'bp-one-snap',
        ManualSnapshotRetentionPeriod: 7,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    expect(created.Snapshot).toMatchObject({ Status: 'creating', ManualSnapshotRetentionPeriod: 7 });
    const again = emu
      .client()
      .send(new CreateClusterSnapshotCommand({ ClusterIdentifier: 'snap', SnapshotIdentifier: 'bp-one-snap' }));
    await expect(again).rejects.toBeInstanceOf(ClusterSnapshotAlreadyExistsFault);
    const badRetention = emu.client().send(
      new CreateClusterSnapshotCommand({
        ClusterIdentifier: 'snap',
        SnapshotIdentifier: 'bp-two-snap',
        ManualSnapshotRetentionPeriod: 0,
      }),
    );
    await expect(badRetention).rejects.toBeInstanceOf(InvalidRetentionPeriodFault);
    emu.advance(400);
    const during = await emu.client().send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'bp-one-snap' }));
    expect(during.Snapshots?.[0]?.ElapsedTimeInSeconds).toBe(400);
    expect(during.Snapshots?.[0]?.EstimatedSecondsToCompletion).toBeGreaterThan(0);
    // Deleted while creating: refused; after its retention: Redshift deleted it itself.
    const early = emu.client().send(new DeleteClusterSnapshotCommand({ SnapshotIdentifier: 'bp-one-snap' }));
    await expect(early).rejects.toThrow(/not available/);
    emu.advance(8 * 86_400);
    const after = await emu.client().send(new DescribeClusterSnapshotsCommand({ ClusterIdentifier: 'snap' }));
    expect(after.Snapshots).toEqual([]);
  });

  it('refuses a snapshot of a cluster that is not available, and past the 20 manual snapshots', async () => {
    emu.model.addRedshiftCluster(REGION, { ClusterIdentifier: 'paused', status: 'paused' });
    const refused = await emu
      .client()
      .send(new CreateClusterSnapshotCommand({ ClusterIdentifier: 'paused', SnapshotIdentifier: 'bp-p' }))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidClusterStateFault);
    expect(toPipelineError(refused, 'ctx').name).toBe('InvalidResourceStateError');
    emu.model.addRedshiftCluster(REGION, { ClusterIdentifier: 'full' });
    for (let i = emu.model.redshiftSnapshots(REGION).length; i < 20; i++)
      emu.model.addExistingClusterSnapshot(REGION, {
        SnapshotIdentifier: `x${i}`,
        ClusterIdentifier: 'full',
        startMs: 0,
      });
    const quota = await emu
      .client()
      .send(new CreateClusterSnapshotCommand({ ClusterIdentifier: 'full', SnapshotIdentifier: 'bp-q' }))
      .catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(ClusterSnapshotQuotaExceededFault);
    expect(toPipelineError(quota, 'ctx').name).toBe('QuotaExceededError');
  });

  it('copies a KMS cluster’s snapshots only under a grant in the destination, and restores from the copy there', async () => {
    const key = emu.model.addKmsKey(REGION, { alias: 'kms-dw' });
    const drKey = emu.model.addKmsKey(DR, { alias: 'kms-dw-dr' });
    emu.model.addRedshiftCluster('eu-central-1', {
      ClusterIdentifier: 'kms-dw',
      KmsKeyId: key.Arn,
      snapshotSeconds: 60,
    });
    const source = await inRegion('eu-central-1');
    const dr = await inRegion(DR);
    const noGrant = source.send(new EnableSnapshotCopyCommand({ ClusterIdentifier: 'kms-dw', DestinationRegion: DR }));
    await expect(noGrant).rejects.toThrow(/snapshot copy grant/);
    await dr.send(new CreateSnapshotCopyGrantCommand({ SnapshotCopyGrantName: 'g', KmsKeyId: drKey.Arn }));
    await source.send(
      new EnableSnapshotCopyCommand({ ClusterIdentifier: 'kms-dw', DestinationRegion: DR, SnapshotCopyGrantName: 'g' }),
    );
    await source.send(new CreateClusterSnapshotCommand({ ClusterIdentifier: 'kms-dw', SnapshotIdentifier: 'bp-k' }));
    emu.advance(3600);
    const copy = await dr.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'bp-k' }));
    expect(copy.Snapshots?.[0]).toMatchObject({ SourceRegion: 'eu-central-1', KmsKeyId: drKey.Arn, Tags: [] });
    const restored = await dr.send(
      new RestoreFromClusterSnapshotCommand({ ClusterIdentifier: 'kms-dw-dr', SnapshotIdentifier: 'bp-k' }),
    );
    expect(restored.Cluster).toMatchObject({ ClusterStatus: 'creating', Encrypted: true, KmsKeyId: drKey.Arn });
  });
});
