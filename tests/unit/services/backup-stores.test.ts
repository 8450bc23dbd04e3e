/**
 * The backup stores retention lists and deletes through: EBS snapshots (shared/services/ec2/ebs-snapshots.ts,
 * with the AMIs that hold them) and RDS snapshots (rdsSnapshotStore), against mocked EC2 and RDS.
 */
import {
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import {
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { InvalidResourceStateError, ResourceNotFoundError, ThrottledError } from '../../../shared/errors';
import { backupStores, DRIVERS, driverFor } from '../../../shared/services';
import { RESOURCE_TYPES } from '../../../shared/services/catalog';
import type { OwnedBackup } from '../../../shared/services/driver';
import { ebsSnapshotStore } from '../../../shared/services/ec2/ebs-snapshots';
import { rdsSnapshotIdentifier, rdsSnapshotStore } from '../../../shared/services/rds/rds-instance';
import { TAG } from '../../../shared/tags';
import { mockedClient, ownedBackup } from '../../support/driver-harness';
import { ownedTags, REGION, STACK, servePages } from '../../support/unit-fixtures';
import { ec2Error, volumeRef } from './ec2/fixtures';
import { dbRef, rdsError } from './rds/fixtures';

const ec2 = mockedClient(EC2Client);
const rds = mockedClient(RDSClient);

const volume = volumeRef();
const ours = (id: string, extra: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotId: id,
  State: 'completed',
  StartTime: new Date('2026-01-05T02:00:00Z'),
  Description: `backup-pipeline daily run-1 ${volume.id}`,
  Tags: ownedTags(volume, 'run-1'),
  ...extra,
});
const owned = (kind: OwnedBackup['kind'], id: string): OwnedBackup => ownedBackup(kind, id, volume.arn);

describe('ebsSnapshotStore.listOwned', () => {
  it('lists our snapshots across pages, filtered by managed-by on the server and checked again here', async () => {
    // Prepare
    const pages = servePages(
      [
        { Snapshots: [ours('snap-1')] },
        {
          Snapshots: [
            ours('snap-2', { State: 'pending' }),
            ours('snap-foreign', { Tags: [{ Key: TAG.managedBy, Value: 'Other' }] }),
          ],
        },
        { Snapshots: [ours('snap-3', { Tags: [] })] },
      ],
      'NextToken',
    );
    ec2.on(DescribeSnapshotsCommand).callsFake(pages.fake);
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const listed = await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed).toEqual([
      { ...owned('ebs-snapshot', 'snap-1') },
      { ...owned('ebs-snapshot', 'snap-2'), complete: false },
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1', 'page-2']);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [STACK] }],
    });
  });

  it('marks a snapshot that ended in error as failed (never usable), one still pending as neither', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [ours('snap-1', { State: 'error' }), ours('snap-2', { State: 'pending' })],
    });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const listed = await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed.map((b) => [b.id, b.complete, b.failed])).toEqual([
      ['snap-1', false, true],
      ['snap-2', false, undefined],
    ]);
  });

  it('marks each snapshot an AMI still uses, across DescribeImages pages', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [ours('snap-1'), ours('snap-2'), ours('snap-3')] });
    const images = servePages(
      [
        {
          Images: [
            {
              ImageId: 'ami-1',
              BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-1' } }, { Ebs: { SnapshotId: 'snap-x' } }],
            },
          ],
        },
        {
          Images: [
            {
              ImageId: 'ami-2',
              BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-1' } }, { Ebs: { SnapshotId: 'snap-3' } }],
            },
          ],
        },
      ],
      'NextToken',
    );
    ec2.on(DescribeImagesCommand).callsFake(images.fake);

    // Act
    const listed = await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed.map((b) => [b.id, b.heldBy])).toEqual([
      ['snap-1', ['ami-1', 'ami-2']],
      ['snap-2', []],
      ['snap-3', ['ami-2']],
    ]);
    expect(images.tokens).toEqual([undefined, 'page-1']);
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-1', 'snap-2', 'snap-3'] }],
    });
  });

  it('asks for AMIs in chunks of 200 snapshot ids, and not at all when nothing is ours', async () => {
    // Prepare
    const many = Array.from({ length: 450 }, (_, i) => ours(`snap-${String(i).padStart(3, '0')}`));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: many });
    const chunks: number[] = [];
    ec2.on(DescribeImagesCommand).callsFake(async (input) => {
      chunks.push(input.Filters?.[0]?.Values?.length ?? 0);
      return { Images: [] };
    });

    // Act
    await ebsSnapshotStore.listOwned(REGION, STACK);
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(chunks).toEqual([200, 200, 50]);
  });

  it('waits out a throttled DescribeImages chunk and reads it again instead of failing the listing', async () => {
    // Prepare: the second chunk's first answer is throttled (a 100,000-snapshot listing takes 500 chunks)
    const many = Array.from({ length: 250 }, (_, i) => ours(`snap-${String(i).padStart(3, '0')}`));
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: many });
    let calls = 0;
    ec2.on(DescribeImagesCommand).callsFake(async (input) => {
      calls++;
      if (calls === 2) throw ec2Error('RequestLimitExceeded');
      const held = input.Filters?.[0]?.Values?.includes('snap-249');
      return { Images: held ? [{ ImageId: 'ami-9', BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-249' } }] }] : [] };
    });

    // Act
    const listed = await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(calls).toBe(3);
    expect(listed.find((b) => b.id === 'snap-249')?.heldBy).toEqual(['ami-9']);
  });

  it('reads no expiry from an unreadable expires-at tag (retention then keeps it)', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [ours('snap-1', { Tags: ownedTags(volume, 'run-1', { expiresAt: 'soon' }) })],
    });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const [listed] = await ebsSnapshotStore.listOwned(REGION, STACK);
    expect(listed?.expiresAt).toBeUndefined();
  });

  it('maps throttling while listing to ThrottledError', async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ebsSnapshotStore.listOwned(REGION, STACK)).rejects.toThrow(ThrottledError);
  });
});

describe('ebsSnapshotStore.delete', () => {
  it('deletes the snapshot in its region', async () => {
    ec2.on(DeleteSnapshotCommand).resolves({});
    await ebsSnapshotStore.delete(owned('ebs-snapshot', 'snap-1'));
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-1' });
  });

  it.each([
    ['InvalidSnapshot.InUse', InvalidResourceStateError],
    ['InvalidSnapshot.NotFound', ResourceNotFoundError],
    ['RequestLimitExceeded', ThrottledError],
  ])('maps %s to %p', async (code, expected) => {
    ec2.on(DeleteSnapshotCommand).rejects(ec2Error(code));
    await expect(ebsSnapshotStore.delete(owned('ebs-snapshot', 'snap-1'))).rejects.toBeInstanceOf(expected);
  });
});

describe('ownership is not a tag anyone can set', () => {
  it('never lists a snapshot AWS Backup or DLM manages, nor one whose creation description names another run', async () => {
    // Prepare: all carry this stack's tags; only snap-ours was written by our create call for its run.
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        ours('snap-ours'),
        ours('snap-dlm', {
          Tags: [...ownedTags(volume, 'run-1'), { Key: 'aws:dlm:lifecycle-policy-id', Value: 'p-1' }],
        }),
        ours('snap-backup', {
          Tags: [...ownedTags(volume, 'run-1'), { Key: 'aws:backup:source-resource', Value: volume.arn }],
        }),
        // Someone's snapshot of a volume restored from ours: the volume's copied tags name run-1.
        ours('snap-restored-copy', { Description: 'nightly by ops' }),
        // Ours of run-2, whose tags were overwritten by the restored volume's (run-1).
        ours('snap-other-run', { Description: `backup-pipeline daily run-2 ${volume.id}` }),
        ours('snap-ami', { Description: 'Created by CreateImage(i-0123456789abcdef0) for ami-1' }),
      ],
    });
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });

    // Act
    const listed = await ebsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed.map((b) => b.id)).toEqual(['snap-ours', 'snap-ami']);
  });

  it('never lists an RDS snapshot without the project prefix, of AWS Backup, or not named for the run its tags name', async () => {
    // Prepare
    const db = dbRef();
    const snapshot = (id: string, runId = 'run-1', extra: { Key: string; Value: string }[] = []) => ({
      DBSnapshotIdentifier: id,
      DBInstanceIdentifier: db.id,
      Status: 'available',
      TagList: [...ownedTags(db, runId), ...extra],
    });
    const ownId = rdsSnapshotIdentifier('run-1', db.id);
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [
        snapshot(ownId),
        snapshot('restored-orders-nightly'),
        snapshot(rdsSnapshotIdentifier('run-9', db.id)),
        snapshot(ownId.replace('bp-', 'bp-x'), 'run-1', [{ Key: 'aws:backup:source-resource', Value: db.arn }]),
      ],
    });

    // Act
    const listed = await rdsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed.map((b) => b.id)).toEqual([ownId]);
  });
});

describe('rdsSnapshotStore.listOwned', () => {
  it('lists our manual snapshots across Marker pages, reading tags from TagList only', async () => {
    // Prepare
    const db = dbRef();
    const pages = servePages(
      [
        {
          DBSnapshots: [
            {
              DBSnapshotIdentifier: 'bp-1',
              Status: 'available',
              SnapshotCreateTime: new Date('2026-01-05T02:00:00Z'),
              TagList: ownedTags(db, 'run-1'),
            },
            { DBSnapshotIdentifier: 'manual-by-a-human', Status: 'available', TagList: [] },
          ],
        },
        {
          DBSnapshots: [
            {
              DBSnapshotIdentifier: 'bp-2',
              Status: 'creating',
              SnapshotCreateTime: new Date('2026-01-06T02:00:00Z'),
              TagList: ownedTags(db, 'run-2', { tier: 'weekly' }),
            },
            {
              DBSnapshotIdentifier: 'foreign',
              Status: 'available',
              TagList: ownedTags(db, 'r', { managedBy: 'Other' }),
            },
          ],
        },
      ],
      'Marker',
    );
    rds.on(DescribeDBSnapshotsCommand).callsFake(pages.fake);

    // Act
    const listed = await rdsSnapshotStore.listOwned(REGION, STACK);

    // Assess
    expect(listed).toEqual([
      { ...owned('rds-snapshot', 'bp-1'), source: db.arn },
      {
        ...owned('rds-snapshot', 'bp-2'),
        source: db.arn,
        runId: 'run-2',
        tier: 'weekly',
        complete: false,
        createdAt: new Date('2026-01-06T02:00:00Z'),
      },
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1']);
    expect(rds).toHaveReceivedCommandWith(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' });
    expect(rds).toHaveReceivedCommandTimes(ListTagsForResourceCommand, 0);
  });

  it('maps throttling while listing to ThrottledError', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(rdsError('Throttling'));
    await expect(rdsSnapshotStore.listOwned(REGION, STACK)).rejects.toThrow(ThrottledError);
  });
});

describe('rdsSnapshotStore.delete', () => {
  it('deletes the snapshot by identifier', async () => {
    rds.on(DeleteDBSnapshotCommand).resolves({});
    await rdsSnapshotStore.delete(owned('rds-snapshot', 'bp-1'));
    expect(rds).toHaveReceivedCommandWith(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: 'bp-1' });
  });

  it.each([
    ['InvalidDBSnapshotState', InvalidResourceStateError],
    ['DBSnapshotNotFound', ResourceNotFoundError],
    ['Throttling', ThrottledError],
  ])('maps %s to %p', async (code, expected) => {
    rds.on(DeleteDBSnapshotCommand).rejects(rdsError(code));
    await expect(rdsSnapshotStore.delete(owned('rds-snapshot', 'bp-1'))).rejects.toBeInstanceOf(expected);
  });
});

describe('driver registry', () => {
  it('has one driver per resource type and each kind of backup store once', () => {
    expect(Object.keys(DRIVERS).sort()).toEqual([...RESOURCE_TYPES].sort());
    for (const [type, driver] of Object.entries(DRIVERS)) expect(driverFor(driver.type).type).toBe(type);
    expect(backupStores().map((s) => s.kind)).toEqual([
      'ec2-image',
      'ebs-snapshot',
      'rds-snapshot',
      'rds-cluster-snapshot',
      'dynamodb-backup',
      'redshift-snapshot',
      'elasticache-snapshot',
      's3-restore-point',
    ]);
  });
});
