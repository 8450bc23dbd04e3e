/**
 * Standalone EBS volumes: one CreateSnapshot per volume. A tagged volume attached to an instance that
 * is itself selected is reported `partOf` that instance, so Plan records it SKIPPED instead of
 * snapshotting it twice.
 */
import {
  CreateSnapshotCommand,
  DescribeVolumesCommand,
  paginateDescribeVolumes,
  type Volume,
} from '@aws-sdk/client-ec2';
import { aws, InvalidResourceStateError, ResourceNotFoundError } from '../../errors';
import { partitionOf, type ResourceRef } from '../../resource';
import { copyableTags, matchesTags, ownershipTags, resourceTagsOf } from '../../tags';
import type { Discovered, ResourceDriver } from '../driver';
import { resolveByIdFilter } from '../resolve';
import { ebsVolumeArn, ec2InstanceArn } from './catalog';
import { ec2Client, ec2CreateClient } from './client';
import { checkSnapshots, copySnapshots, ebsSnapshotStore, findRunSnapshots } from './ebs-snapshots';
import { ebsVolumeRestoreSettings } from './ebs-volume-restore';
import { ID_FILTER_VALUES, tagFilters } from './ec2-instance';

const SNAPSHOTTABLE = ['available', 'in-use'];

function toDiscovered(ref: ResourceRef, volume: Volume): Discovered {
  const attachedTo = (volume.Attachments ?? []).find((a) => a.InstanceId && a.State !== 'detached')?.InstanceId;
  const partOf = attachedTo
    ? ec2InstanceArn(partitionOf(ref.region), ref.region, ref.accountId, attachedTo)
    : undefined;
  if (!volume.State || !SNAPSHOTTABLE.includes(volume.State)) {
    return { ref, skipReason: `volume is ${volume.State ?? 'in an unknown state'}`, ...(partOf ? { partOf } : {}) };
  }
  // What its restore needs (zone, type, performance), from this very description: no call of its own.
  const restoreSettings = ebsVolumeRestoreSettings(volume);
  return {
    ref,
    ...(partOf ? { partOf } : {}),
    resourceTags: resourceTagsOf(volume.Tags),
    ...(restoreSettings ? { restoreSettings } : {}),
  };
}

async function describeVolume(ref: ResourceRef): Promise<Volume> {
  const out = await aws(`EC2 DescribeVolumes ${ref.id}`, () =>
    ec2Client(ref.region).send(new DescribeVolumesCommand({ VolumeIds: [ref.id] })),
  );
  const volume = out.Volumes?.find((v) => v.VolumeId === ref.id);
  if (!volume) throw new ResourceNotFoundError(`EBS volume ${ref.id} not found in ${ref.region}`);
  return volume;
}

export const ebsVolumeDriver: ResourceDriver = {
  type: 'ebs-volume',
  store: ebsSnapshotStore,

  async discover(region, tags, accountId) {
    const found: Discovered[] = [];
    await aws('EC2 DescribeVolumes (discover)', async () => {
      for await (const page of paginateDescribeVolumes(
        { client: ec2Client(region), pageSize: 500 },
        { Filters: tagFilters(tags) },
      )) {
        for (const volume of page.Volumes ?? []) {
          // Exact re-check: the server-side filter narrows, equality decides.
          if (!volume.VolumeId || !matchesTags(volume.Tags, tags)) continue;
          const ref: ResourceRef = {
            arn: ebsVolumeArn(partitionOf(region), region, accountId, volume.VolumeId),
            type: 'ebs-volume',
            region,
            accountId,
            id: volume.VolumeId,
          };
          found.push(toDiscovered(ref, volume));
        }
      }
    });
    return found;
  },

  async resolve(ref) {
    return toDiscovered(ref, await describeVolume(ref));
  },

  resolveAll(refs) {
    return resolveByIdFilter({
      refs,
      size: ID_FILTER_VALUES,
      fallback: ebsVolumeDriver,
      judge: toDiscovered,
      what: 'EBS volume',
      context: 'EC2 DescribeVolumes',
      async *pages(region, ids) {
        const input = { Filters: [{ Name: 'volume-id', Values: ids }] };
        for await (const page of paginateDescribeVolumes({ client: ec2Client(region), pageSize: 500 }, input))
          yield page.Volumes ?? [];
      },
      idOf: (volume) => volume.VolumeId,
    });
  },

  async start({ resource, tags, runId, mayExist }) {
    if (mayExist) {
      const existing = await findRunSnapshots(resource.region, runId, resource.arn);
      if (existing.length > 0) return { backupIds: existing, reused: true };
    }

    const volume = await describeVolume(resource);
    if (!volume.State || !SNAPSHOTTABLE.includes(volume.State)) {
      throw new InvalidResourceStateError(`EBS volume ${resource.id} is ${volume.State ?? 'in an unknown state'}`);
    }
    // Never retried by the SDK: CreateSnapshot has no client token (see ec2CreateClient).
    const out = await aws(`EC2 CreateSnapshot ${resource.id}`, () =>
      ec2CreateClient(resource.region).send(
        new CreateSnapshotCommand({
          VolumeId: resource.id,
          Description: `backup-pipeline ${tags.tier} ${runId} ${resource.id}`,
          TagSpecifications: [
            { ResourceType: 'snapshot', Tags: [...copyableTags(volume.Tags), ...ownershipTags(tags)] },
          ],
        }),
      ),
    );
    if (!out.SnapshotId) throw new InvalidResourceStateError(`CreateSnapshot returned no snapshot for ${resource.id}`);
    const sizeGiB = out.VolumeSize ?? volume.Size;
    return { backupIds: [out.SnapshotId], reused: false, ...(sizeGiB !== undefined ? { sizeGiB } : {}) };
  },

  check(resource, backupIds) {
    return checkSnapshots(resource.region, backupIds);
  },

  copy(_resource, request) {
    return copySnapshots(request);
  },

  checkCopy(_resource, region, copyIds) {
    return checkSnapshots(region, copyIds);
  },
};
