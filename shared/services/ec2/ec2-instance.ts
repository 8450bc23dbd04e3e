/**
 * EC2 instances: one crash-consistent CreateSnapshots call covers every attached EBS volume,
 * with the instance's own tags copied onto each snapshot next to the ownership tags. An instance
 * whose mode is `ami` or `ami-reboot` (shared/services/modes.ts) gets an AMI instead (./ec2-images.ts).
 */
import {
  CreateSnapshotsCommand,
  DescribeInstancesCommand,
  type Filter,
  type Instance,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { aws, InvalidResourceStateError, ResourceNotFoundError } from '../../errors';
import { partitionOf, type ResourceRef } from '../../resource';
import { matchesTags, ownershipTags, resourceTagsOf, tagValue } from '../../tags';
import type { Discovered, ResourceDriver } from '../driver';
import { MODE_TAG } from '../modes';
import { resolveByIdFilter } from '../resolve';
import { ec2InstanceArn } from './catalog';
import { ec2Client, ec2CreateClient } from './client';
import { checkSnapshots, copySnapshots, ebsSnapshotStore, findRunSnapshots } from './ebs-snapshots';
import { checkImage, copyImage, ec2ImageStore, startImage } from './ec2-images';
import { completeVolumeShapes, ec2InstanceRestoreSettings } from './ec2-instance-settings';

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

const isAmiMode = (ref: ResourceRef) => ref.mode === 'ami' || ref.mode === 'ami-reboot';

/**
 * EC2 reads `*` and `?` in a filter value as wildcards and `\` as their escape: a wanted tag value is
 * escaped so that `{"backup":"*"}` selects only a literal `*`, never every value. Tag selection means
 * equality, as RDS and DynamoDB (matched here, exactly) already have it.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*?]/g, '\\$&');
}

export function tagFilters(tags: Record<string, string>): Filter[] {
  return Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [escapeFilterValue(value)] }));
}

function ebsVolumeIds(instance: Instance): string[] {
  return (instance.BlockDeviceMappings ?? [])
    .map((m) => m.Ebs?.VolumeId)
    .filter((id): id is string => typeof id === 'string');
}

function toDiscovered(region: string, accountId: string, instance: Instance): Discovered {
  const id = instance.InstanceId ?? '';
  const ref: ResourceRef = {
    arn: ec2InstanceArn(partitionOf(region), region, accountId, id),
    type: 'ec2-instance',
    region,
    accountId,
    id,
  };
  if (ebsVolumeIds(instance).length === 0) return { ref, skipReason: 'no EBS volumes (instance store only)' };
  const modeTag = tagValue(instance.Tags, MODE_TAG);
  const restoreSettings = ec2InstanceRestoreSettings(instance);
  return {
    ref,
    ...(modeTag === undefined ? {} : { modeTag }),
    resourceTags: resourceTagsOf(instance.Tags),
    ...(restoreSettings ? { restoreSettings } : {}),
  };
}

/** Values per EC2 id filter in one batched lookup (EC2 accepts up to 200 filter values). */
export const ID_FILTER_VALUES = 200;

function judgeInstance(ref: ResourceRef, instance: Instance): Discovered {
  const state = instance.State?.Name;
  if (!state || !LIVE_STATES.includes(state)) {
    throw new InvalidResourceStateError(`EC2 instance ${ref.id} is ${state ?? 'in an unknown state'}`);
  }
  return { ...toDiscovered(ref.region, ref.accountId, instance), ref };
}

async function describeInstance(ref: ResourceRef): Promise<Instance> {
  const out = await aws(`EC2 DescribeInstances ${ref.id}`, () =>
    ec2Client(ref.region).send(new DescribeInstancesCommand({ InstanceIds: [ref.id] })),
  );
  const instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === ref.id);
  if (!instance) throw new ResourceNotFoundError(`EC2 instance ${ref.id} not found in ${ref.region}`);
  return instance;
}

export const ec2InstanceDriver: ResourceDriver = {
  type: 'ec2-instance',
  store: ebsSnapshotStore,
  extraStores: [ec2ImageStore],

  // An AMI's name is unique per account and region (a second CreateImage is refused); snapshots have no key.
  idempotentCreate: isAmiMode,

  async discover(region, tags, accountId) {
    const found: Discovered[] = [];
    await aws('EC2 DescribeInstances (discover)', async () => {
      for await (const page of paginateDescribeInstances(
        { client: ec2Client(region), pageSize: 1000 },
        { Filters: [...tagFilters(tags), { Name: 'instance-state-name', Values: LIVE_STATES }] },
      )) {
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            // Exact re-check: the server-side filter narrows, equality decides (tag keys are not escaped there).
            if (instance.InstanceId && matchesTags(instance.Tags, tags))
              found.push(toDiscovered(region, reservation.OwnerId ?? accountId, instance));
          }
        }
      }
    });
    return completeVolumeShapes(region, found);
  },

  async resolve(ref) {
    const [found] = await completeVolumeShapes(ref.region, [judgeInstance(ref, await describeInstance(ref))]);
    return found as Discovered;
  },

  async resolveAll(refs) {
    const resolutions = await resolveByIdFilter({
      refs,
      size: ID_FILTER_VALUES,
      fallback: ec2InstanceDriver,
      judge: judgeInstance,
      what: 'EC2 instance',
      context: 'EC2 DescribeInstances',
      async *pages(region, ids) {
        const input = { Filters: [{ Name: 'instance-id', Values: ids }] };
        for await (const page of paginateDescribeInstances({ client: ec2Client(region), pageSize: 1000 }, input))
          yield (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      },
      idOf: (instance) => instance.InstanceId,
    });
    // The volumes' types, for a snapshot set's restore: one batched describe for all the instances found.
    const found = resolutions.flatMap((r) => ('found' in r ? [r.found] : []));
    const completed = await completeVolumeShapes(refs[0]?.region ?? '', found);
    const byOriginal = new Map(found.map((d, i) => [d, completed[i] ?? d]));
    return resolutions.map((r) => ('found' in r ? { ref: r.ref, found: byOriginal.get(r.found) ?? r.found } : r));
  },

  async start(request) {
    const { resource, tags, runId, mayExist } = request;
    if (isAmiMode(resource)) return startImage(request, async () => (await describeInstance(resource)).Tags);
    if (mayExist) {
      const existing = await findRunSnapshots(resource.region, runId, resource.arn);
      if (existing.length > 0) return { backupIds: existing, reused: true };
    }
    // No DescribeInstances first: CreateSnapshots itself rejects a missing or terminated instance, and
    // CopyTagsFromSource copies each volume's tags onto its snapshot.
    // Never retried by the SDK: CreateSnapshots has no client token (see ec2CreateClient).
    const out = await aws(`EC2 CreateSnapshots ${resource.id}`, () =>
      ec2CreateClient(resource.region).send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: resource.id, ExcludeBootVolume: false },
          Description: `backup-pipeline ${tags.tier} ${runId} ${resource.id}`,
          CopyTagsFromSource: 'volume',
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: ownershipTags(tags) }],
        }),
      ),
    );
    const snapshots = out.Snapshots ?? [];
    const ids = snapshots.map((s) => s.SnapshotId).filter((id): id is string => Boolean(id));
    if (ids.length === 0) {
      throw new InvalidResourceStateError(`EC2 instance ${resource.id} has no EBS volumes to snapshot`);
    }
    // CreateSnapshots reports each volume's size: the sum is the instance's, without a DescribeVolumes.
    const sizes = snapshots.map((s) => s.VolumeSize);
    const known = sizes.every((size): size is number => typeof size === 'number');
    return {
      backupIds: ids.sort(),
      reused: false,
      ...(known ? { sizeGiB: sizes.reduce((sum: number, size) => sum + size, 0) } : {}),
    };
  },

  check(resource, backupIds) {
    return isAmiMode(resource) ? checkImage(resource.region, backupIds) : checkSnapshots(resource.region, backupIds);
  },

  // Snapshot mode copies each volume's snapshot; AMI mode copies the image (with its snapshots).
  copy(resource, request) {
    return isAmiMode(resource) ? copyImage(request) : copySnapshots(request);
  },

  checkCopy(resource, region, copyIds) {
    return isAmiMode(resource) ? checkImage(region, copyIds) : checkSnapshots(region, copyIds);
  },
};
