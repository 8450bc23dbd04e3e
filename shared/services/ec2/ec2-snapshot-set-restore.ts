/**
 * Restore of an EC2 instance's snapshot set (mode `snapshots`): one volume per snapshot, each in the
 * recorded zone (a drill's zone wins) with the recorded type, IOPS and throughput of the volume it was
 * taken of, named `<name>-<device>` (`vol<index>` when the volume is not recorded, e.g. a DR copy, whose
 * snapshot names no source volume) and tagged with the restore tags, its own snapshot as the backup
 * restored. Idempotent per volume: a retry finds the volumes an earlier attempt made by the restore-id
 * tag and makes only the missing ones, each create carrying the client token `<restoreId>-<index>`.
 * A Name any other live volume carries is refused with NameInUseError before anything is made.
 */
import { DescribeSnapshotsCommand, type Snapshot } from '@aws-sdk/client-ec2';
import { aws, InvalidInputError, NameInUseError } from '../../errors';
import {
  firstZone,
  type NameCheckRequest,
  type NameHolder,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RestoreDriver,
  restoreClientToken,
  restoreTags,
} from '../restore';
import { ec2Client } from './client';
import {
  createRestoredVolume,
  describeVolumes,
  liveVolumes,
  nameTagProblem,
  removeRestoredVolumes,
  volumeIdsLeft,
  volumeTag,
} from './ebs-volume-restore';
import { tagFilters } from './ec2-instance';
import { ec2InstanceRestoreSettingsSchema } from './ec2-instance-settings';

async function describeSnapshots(region: string, ids: string[]): Promise<Snapshot[]> {
  const out = await aws('EC2 DescribeSnapshots (restore)', () =>
    ec2Client(region).send(new DescribeSnapshotsCommand({ SnapshotIds: ids })),
  );
  return ids.map((id) => out.Snapshots?.find((s) => s.SnapshotId === id) ?? { SnapshotId: id });
}

/** Each snapshot of the set and the volume it makes, named `<name>-<device>` (the recorded device). */
async function volumePlan(request: Pick<NameCheckRequest, 'region' | 'name' | 'backupIds' | 'settings'>) {
  const settings = parseRestoreSettings(ec2InstanceRestoreSettingsSchema, request.settings, 'EC2 instance');
  if (request.backupIds.length === 0)
    throw new InvalidInputError([{ field: 'backupIds', message: "an instance's snapshot set has no snapshot" }]);
  const snapshots = await describeSnapshots(request.region, request.backupIds);
  // DescribeSnapshots names every snapshot it answers with; the type leaves the id optional.
  return snapshots.flatMap(({ SnapshotId: snapshotId, VolumeId }, index) => {
    if (!snapshotId) return [];
    const volume = settings.volumes.find((v) => v.volumeId === VolumeId);
    const device = (volume?.device ?? `vol${index}`).replace(/^\/dev\//, '');
    return [{ snapshotId, index, volume, name: `${request.name}-${device}` }];
  });
}

/** Live volumes other than this restore's that carry one of `names`. */
async function volumeNamesHolder(
  region: string,
  names: readonly string[],
  restoreId: string,
): Promise<NameHolder | undefined> {
  if (names.length === 0) return undefined;
  const named = await liveVolumes(region, [{ Name: 'tag:Name', Values: [...names] }]);
  const taken = named.filter((v) => volumeTag(v, RESTORE_TAG.restoreId) !== restoreId);
  if (taken.length === 0) return undefined;
  return {
    what: `EBS volume names ${taken.map((v) => `${volumeTag(v, 'Name')} (${v.VolumeId})`).join(', ')} are taken in ${region}`,
  };
}

export const ec2SnapshotSetRestore: RestoreDriver = {
  type: 'ec2-instance',
  modes: ['snapshots'],
  // Each volume is named `<name>-<device>`: room for a device name such as `-nvme12n1` or `-xvdba`.
  nameProblem: (name) => nameTagProblem(name, 16),
  async nameHolder(request) {
    const plan = await volumePlan(request);
    return volumeNamesHolder(
      request.region,
      plan.map((p) => p.name),
      request.restoreId,
    );
  },

  async start(request) {
    const settings = parseRestoreSettings(ec2InstanceRestoreSettingsSchema, request.settings, 'EC2 instance');
    const plan = await volumePlan(request);
    const made = await liveVolumes(request.region, tagFilters({ [RESTORE_TAG.restoreId]: request.restoreId }));
    const madeFor = new Map(made.map((v) => [volumeTag(v, RESTORE_TAG.restoredBackup), v.VolumeId]));
    const missing = plan.filter((p) => !madeFor.has(p.snapshotId));
    const holder = await volumeNamesHolder(
      request.region,
      missing.map((p) => p.name),
      request.restoreId,
    );
    if (holder) throw new NameInUseError(`${holder.what}: nothing restored`);
    const earlier = plan.flatMap((p) => madeFor.get(p.snapshotId) ?? []);
    if (earlier.length > 0) await request.journal?.made(earlier);
    const restoredIds: string[] = [];
    for (const p of plan) {
      const found = madeFor.get(p.snapshotId);
      if (found) {
        restoredIds.push(found);
        continue;
      }
      await request.journal?.intent(`volume ${p.name} from ${p.snapshotId}`);
      const volumeId = await createRestoredVolume({
        region: request.region,
        snapshotId: p.snapshotId,
        availabilityZone:
          placed(request, request.placement?.availabilityZone, settings.availabilityZone) ?? firstZone(request.region),
        shape: p.volume ?? {},
        // Each volume names its own snapshot as the backup it restores: a retry tells them apart by it.
        tags: restoreTags({ ...request.tags, backupId: p.snapshotId }, p.name),
        clientToken: restoreClientToken(request.restoreId, p.index, 64),
      });
      await request.journal?.made([volumeId]);
      restoredIds.push(volumeId);
    }
    return { restoredIds, reused: missing.length === 0 };
  },

  async check(region, restoredIds) {
    const volumes = await describeVolumes(region, restoredIds);
    const gone = restoredIds.filter((id) => !volumes.some((v) => v.VolumeId === id));
    if (gone.length > 0) return { status: 'FAILED', reason: `restored volume(s) gone: ${gone.join(', ')}` };
    const bad = volumes.filter((v) => !['creating', 'available', 'in-use'].includes(v.State ?? ''));
    if (bad.length > 0)
      return { status: 'FAILED', reason: bad.map((v) => `restored volume ${v.VolumeId} is ${v.State}`).join('; ') };
    const creating = volumes.filter((v) => v.State === 'creating').length;
    if (creating > 0) return { status: 'RESTORING', state: `${creating} of ${volumes.length} volumes creating` };
    return {
      status: 'AVAILABLE',
      shape: {
        volumeCount: volumes.length,
        totalSizeGiB: volumes.reduce((sum, v) => sum + (v.Size ?? 0), 0),
        volumeIds: restoredIds.join(','),
        encrypted: volumes.every((v) => v.Encrypted === true),
      },
    };
  },

  remove: (region, restoredIds, restoredBy, context) =>
    removeRestoredVolumes(region, restoredIds, restoredBy, context?.tags.restoreId),
  removesByRestoreTag: true,
  leftovers: volumeIdsLeft,
};
