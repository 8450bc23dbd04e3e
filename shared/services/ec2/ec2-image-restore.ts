/**
 * Restore of an EC2 instance's AMI (modes `ami`, `ami-reboot`): RunInstances of the image with the
 * recorded instance type, subnet and security groups (a drill's subnet and security groups win), the
 * restore tags on the instance and its volumes, and the client token `<restoreId>` (a lost answer
 * retried returns the same instance). A retry finds the instance an earlier attempt made by its
 * restore-id tag; a Name a live instance carries is refused with NameInUseError before anything is made.
 * Check: `running` is AVAILABLE; removal terminates only an instance carrying this stack's restored-by.
 */
import {
  type _InstanceType,
  DescribeInstancesCommand,
  type Filter,
  type Instance,
  RunInstancesCommand,
  TerminateInstancesCommand,
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
import { tagValue } from '../../tags';
import {
  firstZone,
  type NameCheckRequest,
  type NameHolder,
  type PlacementCheckRequest,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RegionFacts,
  type RestoreDriver,
  restoreClientToken,
  restoreTags,
} from '../restore';
import { ec2Client } from './client';
import { nameTagProblem, removeRestoredVolumes, volumeIdsLeft } from './ebs-volume-restore';
import { tagFilters } from './ec2-instance';
import { ec2InstanceRestoreSettingsSchema } from './ec2-instance-settings';

/** Instances that still hold a Name: not terminated nor on their way out. */
const LIVE = ['pending', 'running', 'stopping', 'stopped'];
/** What a clean-up still waits for: a live instance, or one shutting down (its volumes still attached). */
const STILL_THERE = [...LIVE, 'shutting-down'];

async function instancesWhere(
  region: string,
  filters: Filter[],
  states: readonly string[] = LIVE,
): Promise<Instance[]> {
  const out = await aws('EC2 DescribeInstances (restored)', () =>
    ec2Client(region).send(
      new DescribeInstancesCommand({ Filters: [...filters, { Name: 'instance-state-name', Values: [...states] }] }),
    ),
  );
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

async function describeInstance(region: string, id: string): Promise<Instance | undefined> {
  try {
    const out = await ec2Client(region).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceID.NotFound') return undefined;
    rethrowAws(`EC2 DescribeInstances ${id}`, error);
  }
}

/** A restore's instances not yet terminated: the record's and those carrying its restore-id tag. */
async function restoredInstancesLeft(
  region: string,
  restoredIds: readonly string[],
  restoreId?: string,
): Promise<Instance[]> {
  const found = new Map<string, Instance>();
  const tagged = restoreId
    ? await instancesWhere(region, tagFilters({ [RESTORE_TAG.restoreId]: restoreId }), STILL_THERE)
    : [];
  const named = restoredIds.length
    ? await instancesWhere(region, [{ Name: 'instance-id', Values: [...restoredIds] }], STILL_THERE)
    : [];
  for (const i of [...named, ...tagged]) if (i.InstanceId) found.set(i.InstanceId, i);
  return [...found.values()];
}

/**
 * At Plan: an instance launched with no subnet (none in placement, the recorded one left in the source's
 * region) goes into the region's default VPC; without one EC2 refuses the launch (VPCIdNotSpecified), so
 * Plan refuses the restore first, naming the field.
 */
/** The subnet a backup's restore settings recorded (any settings without one name none). */
const recordedSubnetSchema = z.object({ subnetId: z.string() });

async function subnetProblems(request: PlacementCheckRequest, facts: RegionFacts) {
  const recorded = recordedSubnetSchema.safeParse(request.settings);
  const subnet = placed(request, request.placement?.subnetId, recorded.success ? recorded.data.subnetId : undefined);
  if (subnet || (await facts.hasDefaultVpc(request.region))) return [];
  return [
    {
      field: 'placement.subnetId',
      message: `${request.region} has no default VPC: name a subnet there (placement.subnetId; a drill's in drills.placement.${request.region})`,
    },
  ];
}

/** The live instances carrying the Name a restore would give its instance. */
async function instanceNameHolder(request: Pick<NameCheckRequest, 'region' | 'name'>): Promise<NameHolder | undefined> {
  const named = await instancesWhere(request.region, tagFilters({ Name: request.name }));
  if (named.length === 0) return undefined;
  const restoreId = named.map((i) => tagValue(i.Tags, RESTORE_TAG.restoreId)).find((id) => id !== undefined);
  return {
    what: `EC2 instance name ${request.name} is taken in ${request.region} by ${named.map((i) => i.InstanceId).join(', ')}`,
    ...(restoreId ? { restoreId } : {}),
  };
}

export const ec2ImageRestore: RestoreDriver = {
  type: 'ec2-instance',
  modes: ['ami', 'ami-reboot'],
  nameProblem: (name) => nameTagProblem(name),
  nameHolder: instanceNameHolder,

  checkPlacement: subnetProblems,

  async start(request) {
    const settings = parseRestoreSettings(ec2InstanceRestoreSettingsSchema, request.settings, 'EC2 instance');
    const [imageId, ...rest] = request.backupIds;
    if (!imageId || rest.length > 0)
      throw new InvalidInputError([{ field: 'backupIds', message: 'an instance restores from exactly one AMI' }]);
    const made = await instancesWhere(request.region, tagFilters({ [RESTORE_TAG.restoreId]: request.restoreId }));
    const ids = made.map((i) => i.InstanceId).filter((id): id is string => Boolean(id));
    if (ids.length > 0) return { restoredIds: ids, reused: true };
    // This restore's own instance was found above: whatever else carries the name holds it.
    const holder = await instanceNameHolder(request);
    if (holder) throw new NameInUseError(`${holder.what}: nothing restored`);
    const placement = request.placement ?? {};
    // The recorded subnet and groups exist only in the source's region; elsewhere, the default VPC.
    const subnetId = placed(request, placement.subnetId, settings.subnetId);
    const securityGroups = placed(request, placement.securityGroupIds, settings.securityGroupIds) ?? [];
    const zone = placed(request, placement.availabilityZone, settings.availabilityZone) ?? firstZone(request.region);
    const tags = restoreTags(request.tags, request.name);
    await request.journal?.intent(`instance ${request.name} from ${imageId}`);
    const out = await aws(`EC2 RunInstances from ${imageId}`, () =>
      ec2Client(request.region).send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: settings.instanceType as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          ...(subnetId ? { SubnetId: subnetId } : { Placement: { AvailabilityZone: zone } }),
          ...(securityGroups.length > 0 ? { SecurityGroupIds: securityGroups } : {}),
          TagSpecifications: [
            { ResourceType: 'instance', Tags: tags },
            { ResourceType: 'volume', Tags: tags },
          ],
          ClientToken: restoreClientToken(request.restoreId, undefined, 64),
        }),
      ),
    );
    const instanceId = out.Instances?.[0]?.InstanceId;
    if (!instanceId) throw new InvalidResourceStateError(`RunInstances from ${imageId} returned no instance`);
    await request.journal?.made([instanceId]);
    return { restoredIds: [instanceId], reused: false };
  },

  async check(region, restoredIds) {
    const id = restoredIds[0] ?? '';
    const instance = await describeInstance(region, id);
    const state = instance?.State?.Name;
    if (!instance || !state) return { status: 'FAILED', reason: `restored instance ${id} is gone` };
    if (state === 'pending') return { status: 'RESTORING', state };
    if (state === 'running')
      return {
        status: 'AVAILABLE',
        shape: {
          instanceId: id,
          instanceType: instance.InstanceType ?? '',
          state,
          volumeCount: (instance.BlockDeviceMappings ?? []).filter((m) => m.Ebs).length,
        },
      };
    // EC2 says why a launch ended (a volume's key it could not use: Client.InternalError).
    const why = instance.StateReason?.Message;
    return { status: 'FAILED', reason: `restored instance ${id} is ${state}${why ? `: ${why}` : ''}` };
  },

  /**
   * Terminates the restore's instances (the record's and any carrying its restore-id tag; a `pending` one
   * too, as AWS allows), only those carrying this stack's restored-by; once none is left, deletes the
   * volumes AWS kept (an AMI's data volumes are preserved on termination unless it says otherwise).
   */
  async remove(region, restoredIds, restoredBy, context) {
    const restoreId = context?.tags.restoreId;
    const instances = await restoredInstancesLeft(region, restoredIds, restoreId);
    // Only what this stack restored: an instance without its restored-by tag is never terminated here.
    const foreign = instances.filter((i) => tagValue(i.Tags, RESTORE_TAG.restoredBy) !== restoredBy);
    if (foreign.length > 0)
      throw new InvalidResourceStateError(
        `instance ${foreign.map((i) => i.InstanceId).join(', ')} was not restored by ${restoredBy}: not terminated`,
      );
    const live = instances
      .filter((i) => LIVE.includes(i.State?.Name ?? ''))
      .flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
    if (live.length > 0)
      await aws(`EC2 TerminateInstances ${live.join(', ')}`, () =>
        ec2Client(region).send(new TerminateInstancesCommand({ InstanceIds: live })),
      );
    if (instances.length > 0) return 'deleting';
    // Terminated: what AWS kept of the instance (its preserved data volumes) carries the restore-id tag.
    return restoreId ? removeRestoredVolumes(region, [], restoredBy, restoreId) : 'gone';
  },

  async leftovers(region, restoredIds, restoreId) {
    const instances = await restoredInstancesLeft(region, restoredIds, restoreId);
    const volumes = restoreId ? await volumeIdsLeft(region, [], restoreId) : [];
    return [...instances.map((i) => i.InstanceId ?? ''), ...volumes];
  },
  removesByRestoreTag: true,
};
