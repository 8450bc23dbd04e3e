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
import { aws, awsErrorName, InvalidInputError, InvalidResourceStateError, NameInUseError } from '../../errors';
import { tagValue } from '../../tags';
import {
  firstZone,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RestoreDriver,
  restoreClientToken,
  restoreTags,
} from '../restore';
import { ec2Client } from './client';
import { tagFilters } from './ec2-instance';
import { ec2InstanceRestoreSettingsSchema } from './ec2-instance-settings';

/** Instances that still hold a Name: not terminated nor on their way out. */
const LIVE = ['pending', 'running', 'stopping', 'stopped'];

async function instancesWhere(region: string, filters: Filter[]): Promise<Instance[]> {
  const out = await aws('EC2 DescribeInstances (restored)', () =>
    ec2Client(region).send(
      new DescribeInstancesCommand({ Filters: [...filters, { Name: 'instance-state-name', Values: LIVE }] }),
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
    return aws(`EC2 DescribeInstances ${id}`, () => Promise.reject(error));
  }
}

export const ec2ImageRestore: RestoreDriver = {
  type: 'ec2-instance',
  modes: ['ami', 'ami-reboot'],

  async start(request) {
    const settings = parseRestoreSettings(ec2InstanceRestoreSettingsSchema, request.settings, 'EC2 instance');
    const [imageId, ...rest] = request.backupIds;
    if (!imageId || rest.length > 0)
      throw new InvalidInputError([{ field: 'backupIds', message: 'an instance restores from exactly one AMI' }]);
    const made = await instancesWhere(request.region, tagFilters({ [RESTORE_TAG.restoreId]: request.restoreId }));
    const ids = made.map((i) => i.InstanceId).filter((id): id is string => Boolean(id));
    if (ids.length > 0) return { restoredIds: ids, reused: true };
    const named = await instancesWhere(request.region, tagFilters({ Name: request.name }));
    if (named.length > 0)
      throw new NameInUseError(
        `EC2 instance name ${request.name} is taken in ${request.region} by ${named.map((i) => i.InstanceId).join(', ')}: nothing restored`,
      );
    const placement = request.placement ?? {};
    // The recorded subnet and groups exist only in the source's region; elsewhere, the default VPC.
    const subnetId = placed(request, placement.subnetId, settings.subnetId);
    const securityGroups = placed(request, placement.securityGroupIds, settings.securityGroupIds) ?? [];
    const zone = placed(request, placement.availabilityZone, settings.availabilityZone) ?? firstZone(request.region);
    const tags = restoreTags(request.tags, request.name);
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

  async remove(region, restoredIds, restoredBy) {
    const id = restoredIds[0] ?? '';
    const instance = await describeInstance(region, id);
    const state = instance?.State?.Name;
    if (!instance || state === 'terminated') return 'gone';
    // Only what this stack restored: an instance without its restored-by tag is never terminated here.
    if (tagValue(instance.Tags, RESTORE_TAG.restoredBy) !== restoredBy)
      throw new InvalidResourceStateError(`instance ${id} was not restored by ${restoredBy}: not terminated`);
    if (state === 'shutting-down') return 'deleting';
    await aws(`EC2 TerminateInstances ${id}`, () =>
      ec2Client(region).send(new TerminateInstancesCommand({ InstanceIds: [id] })),
    );
    return 'deleting';
  },
};
