/**
 * Restore of a replication group's snapshot: CreateReplicationGroup with SnapshotName makes a NEW group
 * under the requested id, with the source's node type, engine, shards and replicas as recorded when the
 * backup was made, in the source's cache subnet group and security groups in its region (a drill's
 * placement wins; elsewhere ElastiCache's defaults), tagged with the restore tags in the same call. An id
 * in use is refused NameInUseError unless the group there carries this very restore's id (a retry:
 * adopted, nothing made twice). Removal deletes only a group this stack restored, without a final snapshot.
 * DescribeReplicationGroups shows no tags: they are read with ListTagsForResource.
 */
import {
  type CacheCluster,
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { z } from 'zod';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
import { type Tag, tagValue } from '../../tags';
import {
  type NameCheckRequest,
  type NameHolder,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RestoreDriver,
  restoreTags,
} from '../restore';
import { elasticacheClient } from './client';

/** What restoring a replication group needs of its source, recorded when the backup was made. */
export const replicationGroupRestoreSettingsSchema = z.object({
  engine: z.enum(['redis', 'valkey']),
  engineVersion: z.string().min(1).optional(),
  cacheNodeType: z.string().min(1),
  clusterEnabled: z.boolean(),
  numNodeGroups: z.number().int().positive(),
  replicasPerNodeGroup: z.number().int().min(0),
  cacheSubnetGroupName: z.string().min(1).optional(),
  securityGroupIds: z.array(z.string().min(1)).default([]),
  /** Which node the snapshot was taken of (a read replica's, the primary's when there is none, the group's). */
  backedUpFrom: z.string().min(1).optional(),
});
export type ReplicationGroupRestoreSettings = z.infer<typeof replicationGroupRestoreSettingsSchema>;

/** A group's restore settings from the descriptions discovery already has; undefined without a node type. */
export function replicationGroupRestoreSettings(
  group: ReplicationGroup,
  member: CacheCluster | undefined,
  backedUpFrom: string,
): ReplicationGroupRestoreSettings | undefined {
  const nodeType = group.CacheNodeType ?? member?.CacheNodeType;
  if (!nodeType) return undefined;
  const engine = (group.Engine ?? member?.Engine) === 'valkey' ? 'valkey' : 'redis';
  const shards = group.NodeGroups ?? [];
  return {
    engine,
    ...(member?.EngineVersion ? { engineVersion: member.EngineVersion } : {}),
    cacheNodeType: nodeType,
    clusterEnabled: group.ClusterEnabled ?? false,
    numNodeGroups: Math.max(1, shards.length),
    replicasPerNodeGroup: Math.max(0, (shards[0]?.NodeGroupMembers?.length ?? 1) - 1),
    ...(member?.CacheSubnetGroupName ? { cacheSubnetGroupName: member.CacheSubnetGroupName } : {}),
    securityGroupIds: (member?.SecurityGroups ?? []).flatMap((g) => (g.SecurityGroupId ? [g.SecurityGroupId] : [])),
    backedUpFrom,
  };
}

/**
 * Why `id` is no replication group id: 1 to 40 letters, digits or hyphens, a letter first, never two
 * hyphens in a row nor one at the end (CreateReplicationGroup, ReplicationGroupId). ElastiCache stores it
 * in lower case, so an upper-case name would not be found again under the name recorded: refused.
 */
export function replicationGroupIdProblem(id: string): string | undefined {
  const problems = [
    ...(/^[a-z0-9-]*$/.test(id) ? [] : ['takes lower-case letters, digits and hyphens only']),
    ...(/^[a-z]/.test(id) ? [] : ['must start with a letter']),
    ...(id.includes('--') ? ['has no two hyphens in a row'] : []),
    ...(id.endsWith('-') ? ['must not end with a hyphen'] : []),
    ...(id.length > 40 ? ['is at most 40 characters'] : []),
  ];
  return problems.length > 0 ? `${id}: an ElastiCache replication group id ${problems.join(', ')}` : undefined;
}

async function describeGroup(region: string, id: string): Promise<ReplicationGroup | undefined> {
  try {
    const out = await elasticacheClient(region).send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return out.ReplicationGroups?.[0];
  } catch (error) {
    if (awsErrorName(error)?.startsWith('ReplicationGroupNotFound')) return undefined;
    rethrowAws(`ElastiCache DescribeReplicationGroups ${id}`, error);
  }
}

async function groupTags(region: string, group: ReplicationGroup): Promise<Tag[]> {
  if (!group.ARN) return [];
  const arn = group.ARN;
  const out = await aws(`ElastiCache ListTagsForResource ${arn}`, () =>
    elasticacheClient(region).send(new ListTagsForResourceCommand({ ResourceName: arn })),
  );
  return (out.TagList ?? []).flatMap((t) => (t.Key ? [{ Key: t.Key, Value: t.Value ?? '' }] : []));
}

async function groupNameHolder(request: Pick<NameCheckRequest, 'region' | 'name'>): Promise<NameHolder | undefined> {
  const group = await describeGroup(request.region, request.name);
  if (!group) return undefined;
  const restoreId = tagValue(await groupTags(request.region, group), RESTORE_TAG.restoreId);
  return {
    what: `ElastiCache replication group ${request.name} exists in ${request.region}`,
    ...(restoreId ? { restoreId } : {}),
  };
}

/** The states a group passes through on its own: waited for, never a failure. */
const TRANSIENT = new Set(['creating', 'modifying', 'snapshotting']);

export const replicationGroupRestore: RestoreDriver = {
  type: 'elasticache-replication-group',

  nameProblem: replicationGroupIdProblem,
  nameHolder: groupNameHolder,

  async start(request) {
    const settings = parseRestoreSettings(
      replicationGroupRestoreSettingsSchema,
      request.settings,
      'ElastiCache replication group',
    );
    const [snapshotName, ...rest] = request.backupIds;
    if (!snapshotName || rest.length > 0)
      throw new InvalidInputError([{ field: 'backupIds', message: 'a replication group restores from one snapshot' }]);
    const holder = await groupNameHolder(request);
    if (holder) {
      if (holder.restoreId === request.restoreId) return { restoredIds: [request.name], reused: true };
      throw new NameInUseError(`${holder.what}: nothing restored, nothing touched`);
    }
    const placement = request.placement ?? {};
    const subnetGroup = placed(request, placement.cacheSubnetGroupName, settings.cacheSubnetGroupName);
    const securityGroups = placed(request, placement.securityGroupIds, settings.securityGroupIds) ?? [];
    // On the record before the call (the id is ours to choose): a start that dies after the create still
    // leaves a record naming the group, and clean-up deletes it.
    await request.journal?.made([request.name]);
    try {
      await elasticacheClient(request.region).send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: request.name,
          ReplicationGroupDescription: `restore ${request.restoreId} of ${snapshotName}`,
          SnapshotName: snapshotName,
          Engine: settings.engine,
          ...(settings.engineVersion ? { EngineVersion: settings.engineVersion } : {}),
          CacheNodeType: settings.cacheNodeType,
          ...(settings.clusterEnabled
            ? { NumNodeGroups: settings.numNodeGroups, ReplicasPerNodeGroup: settings.replicasPerNodeGroup }
            : { NumCacheClusters: settings.replicasPerNodeGroup + 1 }),
          ...(subnetGroup ? { CacheSubnetGroupName: subnetGroup } : {}),
          ...(securityGroups.length > 0 ? { SecurityGroupIds: securityGroups } : {}),
          Tags: restoreTags(request.tags),
        }),
      );
    } catch (error) {
      // A create whose answer was lost, retried by the SDK: the group there is this restore's own.
      if (awsErrorName(error)?.startsWith('ReplicationGroupAlreadyExists')) {
        const again = await groupNameHolder(request);
        if (again?.restoreId === request.restoreId) return { restoredIds: [request.name], reused: true };
        throw new NameInUseError(`${again?.what ?? request.name}: nothing restored, nothing touched`, { cause: error });
      }
      rethrowAws(`ElastiCache CreateReplicationGroup ${request.name} from ${snapshotName}`, error);
    }
    return { restoredIds: [request.name], reused: false };
  },

  async check(region, restoredIds) {
    const id = restoredIds[0] ?? '';
    const group = await describeGroup(region, id);
    if (!group) return { status: 'FAILED', reason: `restored ElastiCache replication group ${id} is gone` };
    const state = group.Status ?? 'unknown';
    if (state === 'available')
      return {
        status: 'AVAILABLE',
        shape: {
          replicationGroupId: id,
          cacheNodeType: group.CacheNodeType ?? '',
          clusterEnabled: group.ClusterEnabled ?? false,
          nodeGroups: group.NodeGroups?.length ?? 0,
          nodes: group.MemberClusters?.length ?? 0,
        },
      };
    if (TRANSIENT.has(state)) return { status: 'RESTORING', state };
    return { status: 'FAILED', reason: `restored ElastiCache replication group ${id} is ${state}` };
  },

  async remove(region, restoredIds, restoredBy, context) {
    const id = restoredIds[0] ?? '';
    const group = await describeGroup(region, id);
    if (!group) return 'gone';
    if (group.Status === 'deleting') return 'deleting';
    const tags = await groupTags(region, group);
    if (tagValue(tags, RESTORE_TAG.restoredBy) !== restoredBy)
      throw new InvalidResourceStateError(
        `ElastiCache replication group ${id} was not restored by ${restoredBy}: not deleted`,
      );
    if (context && tagValue(tags, RESTORE_TAG.restoreId) !== context.tags.restoreId)
      throw new InvalidResourceStateError(
        `ElastiCache replication group ${id} was made by another restore than ${context.tags.restoreId}: not deleted`,
      );
    // ElastiCache refuses to delete a group it is still creating (InvalidReplicationGroupState): waited for.
    if (TRANSIENT.has(group.Status ?? '')) return 'deleting';
    await aws(`ElastiCache DeleteReplicationGroup ${id}`, () =>
      elasticacheClient(region).send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id })),
    );
    return 'deleting';
  },
};
