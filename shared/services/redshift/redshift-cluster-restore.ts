/**
 * Restore of a Redshift cluster's manual snapshot (or its DR copy): RestoreFromClusterSnapshot under the
 * requested identifier with the source's node type and count as recorded, its subnet group, security
 * groups and zone in its own region (a drill imposes its own; elsewhere the placement's, else Redshift's
 * defaults), never publicly accessible. RestoreFromClusterSnapshot takes no tags, so the cluster is tagged
 * (CreateTags) right after. An identifier in use is refused with NameInUseError unless it is this very
 * restore's cluster (a retry: found by its restore-id tag). Removal deletes only a cluster this stack
 * restored, without a final snapshot.
 */
import { CreateTagsCommand, DeleteClusterCommand, RestoreFromClusterSnapshotCommand } from '@aws-sdk/client-redshift';
import { z } from 'zod';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
import { partitionOf } from '../../resource';
import { tagValue } from '../../tags';
import {
  type NameCheckRequest,
  type NameHolder,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RestoreDriver,
  restoreTags,
} from '../restore';
import { redshiftClusterArn } from './catalog';
import { redshiftClient } from './client';
import { describeCluster, isTransientClusterState } from './redshift-cluster';

/** What restoring a cluster needs of its source, recorded when the backup was made. */
export const redshiftRestoreSettingsSchema = z.object({
  nodeType: z.string().min(1),
  numberOfNodes: z.number().int().positive(),
  clusterSubnetGroupName: z.string().min(1).optional(),
  vpcSecurityGroupIds: z.array(z.string().min(1)).default([]),
  availabilityZone: z.string().min(1).optional(),
});

/**
 * Why `id` is no Redshift cluster identifier: 1 to 63 lower-case letters, digits or hyphens, a letter
 * first, never two hyphens in a row nor one at the end (RestoreFromClusterSnapshot, ClusterIdentifier).
 */
export function clusterIdentifierProblem(id: string): string | undefined {
  const problems = [
    ...(/^[a-z0-9-]*$/.test(id) ? [] : ['takes lower-case letters, digits and hyphens only']),
    ...(/^[a-z]/.test(id) ? [] : ['must start with a letter']),
    ...(id.includes('--') ? ['has no two hyphens in a row'] : []),
    ...(id.endsWith('-') ? ['must not end with a hyphen'] : []),
    ...(id.length > 63 ? ['is at most 63 characters'] : []),
  ];
  return problems.length > 0 ? `${id}: a Redshift cluster identifier ${problems.join(', ')}` : undefined;
}

async function nameHolder(request: NameCheckRequest): Promise<NameHolder | undefined> {
  const existing = await describeCluster(request.region, request.name);
  if (!existing) return undefined;
  const restoreId = tagValue(existing.Tags, RESTORE_TAG.restoreId);
  return {
    what: `Redshift cluster identifier ${request.name} is in use in ${request.region}`,
    ...(restoreId ? { restoreId } : {}),
  };
}

export const redshiftClusterRestore: RestoreDriver = {
  type: 'redshift-cluster',
  nameProblem: clusterIdentifierProblem,
  nameHolder,

  async start(request) {
    const settings = parseRestoreSettings(redshiftRestoreSettingsSchema, request.settings, 'Redshift cluster');
    const [snapshotId, ...rest] = request.backupIds;
    if (!snapshotId || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'a Redshift cluster restores from exactly one snapshot' },
      ]);
    const holder = await nameHolder(request);
    if (holder) {
      if (holder.restoreId === request.restoreId) return { restoredIds: [request.name], reused: true };
      throw new NameInUseError(`${holder.what}: nothing restored, nothing touched`);
    }
    const placement = request.placement ?? {};
    const securityGroups = placed(request, placement.securityGroupIds, settings.vpcSecurityGroupIds) ?? [];
    const subnetGroup = placed(request, placement.clusterSubnetGroupName, settings.clusterSubnetGroupName);
    const zone = placed(request, placement.availabilityZone, settings.availabilityZone);
    // On the record before the call: a start that dies after Redshift made the cluster leaves a record naming it.
    await request.journal?.made([request.name]);
    try {
      await redshiftClient(request.region).send(
        new RestoreFromClusterSnapshotCommand({
          ClusterIdentifier: request.name,
          SnapshotIdentifier: snapshotId,
          NodeType: settings.nodeType,
          NumberOfNodes: settings.numberOfNodes,
          ...(subnetGroup ? { ClusterSubnetGroupName: subnetGroup } : {}),
          ...(securityGroups.length > 0 ? { VpcSecurityGroupIds: securityGroups } : {}),
          ...(zone ? { AvailabilityZone: zone } : {}),
          PubliclyAccessible: false,
        }),
      );
    } catch (error) {
      // A lost answer: the SDK's retry is refused ClusterAlreadyExists for the cluster the first call made.
      if (!['ClusterAlreadyExists', 'ClusterAlreadyExistsFault'].includes(awsErrorName(error) ?? ''))
        rethrowAws(`Redshift RestoreFromClusterSnapshot ${request.name} from ${snapshotId}`, error);
    }
    const arn = redshiftClusterArn(
      partitionOf(request.region),
      request.region,
      accountOf(request.tags.sourceArn),
      request.name,
    );
    await aws(`Redshift CreateTags ${request.name}`, () =>
      redshiftClient(request.region).send(
        new CreateTagsCommand({ ResourceName: arn, Tags: restoreTags(request.tags) }),
      ),
    );
    return { restoredIds: [request.name], reused: false };
  },

  async check(region, restoredIds) {
    const id = restoredIds[0] ?? '';
    const cluster = await describeCluster(region, id);
    if (!cluster) return { status: 'FAILED', reason: `restored Redshift cluster ${id} is gone` };
    const state = cluster.ClusterStatus ?? 'unknown';
    if (state === 'available')
      return {
        status: 'AVAILABLE',
        shape: {
          clusterIdentifier: id,
          nodeType: cluster.NodeType ?? '',
          numberOfNodes: cluster.NumberOfNodes ?? 0,
          encrypted: cluster.Encrypted ?? false,
          publiclyAccessible: cluster.PubliclyAccessible ?? false,
        },
      };
    if (isTransientClusterState(state)) return { status: 'RESTORING', state };
    return { status: 'FAILED', reason: `restored Redshift cluster ${id} is ${state}` };
  },

  async remove(region, restoredIds, restoredBy, context) {
    const id = restoredIds[0] ?? '';
    const cluster = await describeCluster(region, id);
    if (!cluster) return 'gone';
    if (tagValue(cluster.Tags, RESTORE_TAG.restoredBy) !== restoredBy)
      throw new InvalidResourceStateError(`Redshift cluster ${id} was not restored by ${restoredBy}: not deleted`);
    if (context && tagValue(cluster.Tags, RESTORE_TAG.restoreId) !== context.tags.restoreId)
      throw new InvalidResourceStateError(
        `Redshift cluster ${id} was made by another restore than ${context.tags.restoreId}: not deleted`,
      );
    // Redshift refuses to delete a cluster it is still creating: waited for.
    if (cluster.ClusterStatus === 'deleting' || cluster.ClusterStatus === 'creating') return 'deleting';
    try {
      await redshiftClient(region).send(
        new DeleteClusterCommand({ ClusterIdentifier: id, SkipFinalClusterSnapshot: true }),
      );
    } catch (error) {
      const name = awsErrorName(error) ?? '';
      if (!(name.startsWith('InvalidClusterState') && isTransientClusterState(cluster.ClusterStatus)))
        rethrowAws(`Redshift DeleteCluster ${id}`, error);
    }
    return 'deleting';
  },
};

/** The account of the restored cluster: the source's (the pipeline restores within its account). */
const accountOf = (arn: string) => arn.split(':')[4] ?? '';
