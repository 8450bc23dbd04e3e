/**
 * The AMI store (shared/services/ec2/ec2-images.ts) against a mocked EC2: listing this stack's images with
 * the snapshots each holds, and deleting one: its snapshots of this stack are found first, the image is
 * deregistered, then those snapshots (and never an untagged or foreign one) are deleted.
 */
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { InvalidResourceStateError, ThrottledError } from '../../../../shared/errors';
import { backupStores } from '../../../../shared/services';
import type { OwnedBackup } from '../../../../shared/services/driver';
import { ec2ImageStore } from '../../../../shared/services/ec2/ec2-images';
import { TAG } from '../../../../shared/tags';
import { mockedClient, ownedBackup } from '../../../support/driver-harness';
import { ownedTags, REGION, STACK, servePages } from '../../../support/unit-fixtures';
import { ec2Error, instanceRef } from './fixtures';

const ec2 = mockedClient(EC2Client);

const instance = instanceRef();
const image = (id: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id,
  Name: `bp-run-1-0000000a-${instance.id}`,
  State: 'available',
  CreationDate: '2026-01-05T02:00:00.000Z',
  Tags: ownedTags(instance, 'run-1'),
  BlockDeviceMappings: [
    { DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id}-root` } },
    { DeviceName: '/dev/sdf', Ebs: { SnapshotId: `snap-${id}-data` } },
    { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
  ],
  ...extra,
});
const owned = (id: string, holds: string[]): OwnedBackup => ownedBackup('ec2-image', id, instance.arn, { holds });
/** The EC2 commands sent, in order, as `Name id`. */
const sent = () =>
  ec2.calls().map((call) => {
    const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
    const id = command.input.ImageId ?? command.input.SnapshotId ?? '';
    return `${command.constructor.name.replace(/Command$/, '')} ${String(id)}`.trim();
  });

describe('ec2ImageStore.listOwned', () => {
  it('lists our images across pages, filtered by managed-by on the server and checked again here', async () => {
    // Prepare
    const pages = servePages(
      [
        { Images: [image('ami-1')] },
        {
          Images: [
            image('ami-2', { State: 'pending', CreationDate: '2026-01-06T02:00:00.000Z' }),
            image('ami-foreign', { Tags: ownedTags(instance, 'run-1', { managedBy: 'Other' }) }),
            image('ami-untagged', { Tags: [] }),
          ],
        },
      ],
      'NextToken',
    );
    ec2.on(DescribeImagesCommand).callsFake(pages.fake);

    // Act
    const listed = await ec2ImageStore.listOwned(REGION, STACK);

    // Assess
    expect(listed).toEqual([
      owned('ami-1', ['snap-ami-1-root', 'snap-ami-1-data']),
      {
        ...owned('ami-2', ['snap-ami-2-root', 'snap-ami-2-data']),
        complete: false,
        createdAt: new Date('2026-01-06T02:00:00Z'),
      },
    ]);
    expect(pages.tokens).toEqual([undefined, 'page-1']);
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['self'],
      Filters: [{ Name: `tag:${TAG.managedBy}`, Values: [STACK] }],
    });
  });

  it('reads no expiry from an unreadable expires-at tag, and a failed image as not complete', async () => {
    ec2.on(DescribeImagesCommand).resolves({
      Images: [image('ami-1', { State: 'failed', Tags: ownedTags(instance, 'run-1', { expiresAt: 'soon' }) })],
    });
    const [listed] = await ec2ImageStore.listOwned(REGION, STACK);
    expect([listed?.expiresAt, listed?.complete]).toEqual([undefined, false]);
  });

  it('maps throttling while listing to ThrottledError', async () => {
    ec2.on(DescribeImagesCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ec2ImageStore.listOwned(REGION, STACK)).rejects.toThrow(ThrottledError);
  });
});

describe('ec2ImageStore.delete', () => {
  it('finds its snapshots of this stack, deregisters the image, then deletes only those snapshots', async () => {
    // Prepare: the data snapshot was retagged by someone else; the server filter is not trusted either.
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-ami-1-root', Tags: ownedTags(instance, 'run-1') },
        { SnapshotId: 'snap-ami-1-data', Tags: ownedTags(instance, 'run-1', { managedBy: 'Other' }) },
      ],
    });
    ec2.on(DeregisterImageCommand).resolves({ Return: true });
    ec2.on(DeleteSnapshotCommand).resolves({});

    // Act
    await ec2ImageStore.delete(owned('ami-1', ['snap-ami-1-root', 'snap-ami-1-data']));

    // Assess
    expect(sent()).toEqual(['DescribeSnapshots', 'DeregisterImage ami-1', 'DeleteSnapshot snap-ami-1-root']);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'snapshot-id', Values: ['snap-ami-1-root', 'snap-ami-1-data'] },
        { Name: `tag:${TAG.managedBy}`, Values: [STACK] },
      ],
    });
  });

  it('leaves a snapshot another AMI still uses, and one already gone, without failing', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        { SnapshotId: 'snap-a', Tags: ownedTags(instance) },
        { SnapshotId: 'snap-b', Tags: ownedTags(instance) },
        { SnapshotId: 'snap-c', Tags: ownedTags(instance) },
      ],
    });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2
      .on(DeleteSnapshotCommand)
      .rejectsOnce(ec2Error('InvalidSnapshot.InUse'))
      .rejectsOnce(ec2Error('InvalidSnapshot.NotFound'))
      .resolves({});

    // Act
    await ec2ImageStore.delete(owned('ami-1', ['snap-a', 'snap-b', 'snap-c']));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 3);
  });

  it('goes on to the snapshots when an earlier attempt already deregistered the image', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-a', Tags: ownedTags(instance) }] });
    ec2.on(DeregisterImageCommand).rejects(ec2Error('InvalidAMIID.NotFound'));
    ec2.on(DeleteSnapshotCommand).resolves({});
    await ec2ImageStore.delete(owned('ami-1', ['snap-a']));
    expect(ec2).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotId: 'snap-a' });
  });

  it('deletes no snapshot when the image cannot be deregistered, naming the error', async () => {
    // Prepare
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-a', Tags: ownedTags(instance) }] });
    ec2
      .on(DeregisterImageCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded'))
      .rejects(ec2Error('InvalidAMIID.Unavailable'));

    // Act
    const throttled = ec2ImageStore.delete(owned('ami-1', ['snap-a']));
    await expect(throttled).rejects.toThrow(ThrottledError);
    const unavailable = ec2ImageStore.delete(owned('ami-1', ['snap-a']));

    // Assess
    await expect(unavailable).rejects.toThrow(InvalidResourceStateError);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
  });

  it('fails on any other snapshot error, after the image is gone, so the run reports it', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-a', Tags: ownedTags(instance) }] });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).rejects(ec2Error('RequestLimitExceeded'));
    await expect(ec2ImageStore.delete(owned('ami-1', ['snap-a']))).rejects.toThrow(
      'EC2 DeleteSnapshot snap-a: RequestLimitExceeded',
    );
  });

  it('only deregisters an image that holds no snapshot', async () => {
    ec2.on(DeregisterImageCommand).resolves({});
    await ec2ImageStore.delete(owned('ami-1', []));
    expect(sent()).toEqual(['DeregisterImage ami-1']);
  });
});

describe('backupStores', () => {
  it('lists the AMI store before the EBS snapshot store, so an image takes its snapshots first', () => {
    const kinds = backupStores().map((s) => s.kind);
    expect(kinds.indexOf('ec2-image')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('ec2-image')).toBeLessThan(kinds.indexOf('ebs-snapshot'));
  });
});
