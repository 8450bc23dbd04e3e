/**
 * Restore of a standalone EBS volume's snapshot: CreateVolume in the source's availability zone with its
 * volume type, IOPS and throughput as recorded when the backup was made (a drill may place it elsewhere).
 * The snapshot's encryption carries over: an encrypted snapshot makes a volume encrypted with the
 * snapshot's key (a DR copy's, in a DR region). A retry finds the volume an earlier attempt made by its
 * restore-id tag (and CreateVolume's ClientToken covers the call itself); a Name another volume carries
 * is refused with NameInUseError before anything is made.
 */
import {
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  type Filter,
  type Volume,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
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
import { tagFilters } from './ec2-instance';
import { type VolumeShape, volumeShape, volumeShapeSchema } from './volume-settings';

export { parseRestoreSettings } from '../restore';

/** What restoring a volume needs of its source, recorded when the backup was made. */
export const ebsVolumeRestoreSettingsSchema = volumeShapeSchema.extend({ availabilityZone: z.string().min(1) });
export type EbsVolumeRestoreSettings = z.infer<typeof ebsVolumeRestoreSettingsSchema>;

/** A standalone volume's restore settings, from the description discovery made (no call of its own). */
export function ebsVolumeRestoreSettings(volume: Volume): EbsVolumeRestoreSettings | undefined {
  return volume.AvailabilityZone ? { availabilityZone: volume.AvailabilityZone, ...volumeShape(volume) } : undefined;
}

/**
 * Why `name` cannot be an EC2 Name tag: a tag value is at most 256 Unicode characters (any characters:
 * EC2 allows them all). `suffix` is what the driver appends (a snapshot set's `-<device>`).
 */
export function nameTagProblem(name: string, suffix = 0): string | undefined {
  const max = 256 - suffix;
  return [...name].length > max
    ? `an EC2 Name tag is at most 256 characters${suffix ? ` (${suffix} of them for each volume's device)` : ''}: at most ${max} here`
    : undefined;
}

/** A volume not yet deleted: `deleting` and `deleted` ones no longer hold a name. */
const LIVE = ['creating', 'available', 'in-use', 'error'];
/** What a clean-up still waits for: a live volume, or one AWS is deleting. */
const STILL_THERE = [...LIVE, 'deleting'];

async function volumesWhere(region: string, filters: Filter[], states: readonly string[]): Promise<Volume[]> {
  const out = await aws('EC2 DescribeVolumes (restored)', () =>
    ec2Client(region).send(
      new DescribeVolumesCommand({ Filters: [...filters, { Name: 'status', Values: [...states] }] }),
    ),
  );
  return out.Volumes ?? [];
}

/** The live volumes matching `filters` (tag filters, exact values). */
export const liveVolumes = (region: string, filters: Filter[]): Promise<Volume[]> =>
  volumesWhere(region, filters, LIVE);

const volumesTagged = (region: string, tags: Record<string, string>) => liveVolumes(region, tagFilters(tags));

/**
 * The volumes of these ids that exist, through a `volume-id` filter: DescribeVolumes of several
 * VolumeIds fails whole (InvalidVolume.NotFound) when one of them is gone, where a filter answers the rest.
 */
export async function describeVolumes(region: string, ids: readonly string[]): Promise<Volume[]> {
  if (ids.length === 0) return [];
  const out = await aws('EC2 DescribeVolumes', () =>
    ec2Client(region).send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: [...ids] }] })),
  );
  return out.Volumes ?? [];
}

export const volumeTag = (volume: Volume, key: string) => volume.Tags?.find((t) => t.Key === key)?.Value;

/**
 * One restored volume from a snapshot: CreateVolume with the shape recorded, tagged, idempotent by its
 * client token (a lost answer retried returns the same volume).
 */
export async function createRestoredVolume(options: {
  region: string;
  snapshotId: string;
  availabilityZone: string;
  shape: VolumeShape;
  tags: { Key: string; Value: string }[];
  clientToken: string;
}): Promise<string> {
  const { region, snapshotId, shape } = options;
  const out = await aws(`EC2 CreateVolume from ${snapshotId}`, () =>
    ec2Client(region).send(
      new CreateVolumeCommand({
        SnapshotId: snapshotId,
        AvailabilityZone: options.availabilityZone,
        ...(shape.volumeType ? { VolumeType: shape.volumeType as VolumeType } : {}),
        ...(shape.iops ? { Iops: shape.iops } : {}),
        ...(shape.throughput ? { Throughput: shape.throughput } : {}),
        TagSpecifications: [{ ResourceType: 'volume', Tags: options.tags }],
        ClientToken: options.clientToken,
      }),
    ),
  );
  if (!out.VolumeId) throw new InvalidResourceStateError(`CreateVolume from ${snapshotId} returned no volume`);
  return out.VolumeId;
}

/** A restore's volumes AWS still holds: those the record names and those carrying its restore-id tag. */
export async function restoredVolumesLeft(
  region: string,
  restoredIds: readonly string[],
  restoreId?: string,
): Promise<Volume[]> {
  const found = new Map<string, Volume>();
  const tagged = restoreId
    ? await volumesWhere(region, tagFilters({ [RESTORE_TAG.restoreId]: restoreId }), STILL_THERE)
    : [];
  for (const v of [...(await describeVolumes(region, restoredIds)), ...tagged])
    if (v.VolumeId && v.State !== 'deleted') found.set(v.VolumeId, v);
  return [...found.values()];
}

/** The ids of a restore's volumes AWS still holds (what a clean-up that gave up lists). */
export const volumeIdsLeft = async (region: string, restoredIds: readonly string[], restoreId?: string) =>
  (await restoredVolumesLeft(region, restoredIds, restoreId)).map((v) => v.VolumeId ?? '');

/**
 * Deletes a restore's volumes: those the record names and every one carrying its restore-id tag (a start
 * that died after CreateVolume; an AMI's data volumes, preserved when its instance terminated), only
 * those carrying `restoredBy` (one without it is refused, never deleted). A volume still `creating`, or
 * attached (`in-use`: its instance is still shutting down), cannot be deleted yet: it is waited for.
 * `gone` once none is left, `deleting` while AWS still makes or removes one.
 */
export async function removeRestoredVolumes(
  region: string,
  restoredIds: readonly string[],
  restoredBy: string,
  restoreId?: string,
): Promise<'deleting' | 'gone'> {
  const volumes = await restoredVolumesLeft(region, restoredIds, restoreId);
  if (volumes.length === 0) return 'gone';
  const foreign = volumes.filter((v) => volumeTag(v, RESTORE_TAG.restoredBy) !== restoredBy);
  if (foreign.length > 0)
    throw new InvalidResourceStateError(
      `volume ${foreign.map((v) => v.VolumeId).join(', ')} was not restored by ${restoredBy}: not deleted`,
    );
  for (const volume of volumes) {
    if (volume.State !== 'available' && volume.State !== 'error') continue;
    try {
      await ec2Client(region).send(new DeleteVolumeCommand({ VolumeId: volume.VolumeId }));
    } catch (error) {
      // It changed since it was described (attached, or not yet ready): the next round finds it again.
      if (NOT_YET_DELETABLE.has(awsErrorName(error) ?? '')) continue;
      rethrowAws(`EC2 DeleteVolume ${volume.VolumeId}`, error);
    }
  }
  return 'deleting';
}

/** DeleteVolume's answers for a volume that exists but cannot be deleted yet. */
const NOT_YET_DELETABLE = new Set(['IncorrectState', 'VolumeInUse']);

/** The live volumes carrying the Name a restore would give its volume. */
async function volumeNameHolder(request: Pick<NameCheckRequest, 'region' | 'name'>): Promise<NameHolder | undefined> {
  const named = await volumesTagged(request.region, { Name: request.name });
  if (named.length === 0) return undefined;
  const restoreId = named.map((v) => volumeTag(v, RESTORE_TAG.restoreId)).find((id) => id !== undefined);
  return {
    what: `EBS volume name ${request.name} is taken in ${request.region} by ${named.map((v) => v.VolumeId).join(', ')}`,
    ...(restoreId ? { restoreId } : {}),
  };
}

export const ebsVolumeRestore: RestoreDriver = {
  type: 'ebs-volume',
  nameProblem: (name) => nameTagProblem(name),
  nameHolder: volumeNameHolder,

  async start(request) {
    const settings = parseRestoreSettings(ebsVolumeRestoreSettingsSchema, request.settings, 'EBS volume');
    const [snapshotId, ...rest] = request.backupIds;
    if (!snapshotId || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'an EBS volume restores from exactly one snapshot' },
      ]);
    const made = await volumesTagged(request.region, { [RESTORE_TAG.restoreId]: request.restoreId });
    const ids = made.map((v) => v.VolumeId).filter((id): id is string => id !== undefined);
    if (ids.length > 0) return { restoredIds: ids, reused: true };
    // This restore's own volumes were found above: whatever else carries the name holds it.
    const holder = await volumeNameHolder(request);
    if (holder) throw new NameInUseError(`${holder.what}: nothing restored`);
    await request.journal?.intent(`volume ${request.name} from ${snapshotId}`);
    const volumeId = await createRestoredVolume({
      region: request.region,
      snapshotId,
      availabilityZone:
        placed(request, request.placement?.availabilityZone, settings.availabilityZone) ?? firstZone(request.region),
      shape: settings,
      tags: restoreTags(request.tags, request.name),
      clientToken: restoreClientToken(request.restoreId, undefined, 64),
    });
    await request.journal?.made([volumeId]);
    return { restoredIds: [volumeId], reused: false };
  },

  async check(region, restoredIds) {
    const [volume] = await describeVolumes(region, restoredIds);
    if (!volume) return { status: 'FAILED', reason: `restored volume ${restoredIds.join(', ')} is gone` };
    if (volume.State === 'creating') return { status: 'RESTORING', state: 'creating' };
    if (volume.State === 'available' || volume.State === 'in-use') {
      return {
        status: 'AVAILABLE',
        shape: {
          volumeId: volume.VolumeId ?? '',
          sizeGiB: volume.Size ?? 0,
          volumeType: volume.VolumeType ?? '',
          encrypted: volume.Encrypted ?? false,
          availabilityZone: volume.AvailabilityZone ?? '',
        },
      };
    }
    return {
      status: 'FAILED',
      reason: `restored volume ${volume.VolumeId} is ${volume.State ?? 'in an unknown state'}`,
    };
  },

  remove: (region, restoredIds, restoredBy, context) =>
    removeRestoredVolumes(region, restoredIds, restoredBy, context?.tags.restoreId),
  removesByRestoreTag: true,
  leftovers: volumeIdsLeft,
};
