/**
 * Restore of an Aurora cluster's snapshot: RestoreDBClusterFromSnapshot under the requested identifier
 * with the engine, engine version, subnet group, security groups, port and cluster parameter group as
 * recorded when the backup was made (a drill's subnet group and security groups win; in another region
 * than the source's, the placement's for that region, else AWS's defaults), then its writer
 * (CreateDBInstance of the recorded class in that cluster, never publicly accessible). Start makes the
 * cluster; check makes the writer, once the cluster is available, under the deterministic identifier
 * `<name>-writer` if it is not there yet (so a repeated check makes one writer at most), and reports
 * AVAILABLE when both are. The writer's class travels from start to check as a tag on the cluster.
 * An identifier in use (cluster or writer) is refused with NameInUseError before anything is made;
 * removal deletes the writer, then the cluster (no final snapshot), only when they carry this stack's
 * restored-by. DocumentDB and Neptune clusters restore the same way (clusterRestoreDriver): the same
 * RDS calls with their engine (docdb, neptune), their writer made without PubliclyAccessible, which
 * neither engine offers (their clusters live in a VPC only; DocumentDB's and Neptune's CreateDBInstance).
 */
import {
  CreateDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  paginateDescribeDBInstances,
  RestoreDBClusterFromSnapshotCommand,
} from '@aws-sdk/client-rds';
import { z } from 'zod';
import {
  aws,
  awsErrorName,
  InvalidInputError,
  InvalidResourceStateError,
  NameInUseError,
  rethrowAws,
} from '../../errors';
import { TAG_PREFIX, tagValue } from '../../tags';
import type { Discovered } from '../driver';
import { chunks } from '../resolve';
import {
  type NameCheckRequest,
  type NameHolder,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RestoreDriver,
  restoreTags,
} from '../restore';
import { CLUSTER_WHAT, type ClusterType } from './catalog';
import { rdsClient } from './client';
import {
  dbSubnetGroupProblems,
  describeInstance,
  isDbStateRefusal,
  rdsIdentifierProblem,
} from './rds-instance-restore';
import { isTransientDbState, RDS_FILTER_VALUES } from './rds-snapshots';

/** What restoring a cluster needs of its source, recorded when the backup was made. */
export const auroraClusterRestoreSettingsSchema = z.object({
  engine: z.string().min(1),
  engineVersion: z.string().min(1).optional(),
  dbSubnetGroupName: z.string().min(1).optional(),
  vpcSecurityGroupIds: z.array(z.string().min(1)).default([]),
  port: z.number().int().positive().optional(),
  dbClusterParameterGroupName: z.string().min(1).optional(),
  /** The source's writer and its class (read in one batched DescribeDBInstances per 100 clusters). */
  writerInstanceId: z.string().min(1).optional(),
  writerInstanceClass: z.string().min(1).optional(),
  serverlessV2: z.object({ minCapacity: z.number().positive(), maxCapacity: z.number().positive() }).optional(),
});
export type AuroraClusterRestoreSettings = z.infer<typeof auroraClusterRestoreSettingsSchema>;

/** Carries the writer's class from start to the check that makes the writer. */
export const WRITER_CLASS_TAG = `${TAG_PREFIX}restore-writer-class`;

/** A cluster's restore settings from its description (the writer's class is completed by completeWriterClasses). */
export function auroraClusterRestoreSettings(cluster: DBCluster): AuroraClusterRestoreSettings | undefined {
  if (!cluster.Engine) return undefined;
  const parameterGroup = cluster.DBClusterParameterGroup;
  const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
  const scaling = cluster.ServerlessV2ScalingConfiguration;
  return {
    engine: cluster.Engine,
    ...(cluster.EngineVersion ? { engineVersion: cluster.EngineVersion } : {}),
    ...(cluster.DBSubnetGroup ? { dbSubnetGroupName: cluster.DBSubnetGroup } : {}),
    vpcSecurityGroupIds: (cluster.VpcSecurityGroups ?? [])
      .map((g) => g.VpcSecurityGroupId)
      .filter((id): id is string => Boolean(id)),
    ...(cluster.Port ? { port: cluster.Port } : {}),
    ...(parameterGroup && !/^default[.:]/.test(parameterGroup) ? { dbClusterParameterGroupName: parameterGroup } : {}),
    ...(writer ? { writerInstanceId: writer } : {}),
    ...(scaling?.MinCapacity && scaling.MaxCapacity
      ? { serverlessV2: { minCapacity: scaling.MinCapacity, maxCapacity: scaling.MaxCapacity } }
      : {}),
  };
}

/**
 * Adds each found cluster's writer class: a cluster's description names its writer but not its class, so
 * the writers are described together, one DescribeDBInstances (db-instance-id Filter) per 100 clusters.
 */
export async function completeWriterClasses(region: string, found: Discovered[]): Promise<Discovered[]> {
  const writerOf = (d: Discovered) => d.restoreSettings?.writerInstanceId;
  const writers = [...new Set(found.map(writerOf).filter((id): id is string => typeof id === 'string'))];
  const classes = new Map<string, string>();
  for (const ids of chunks(writers, RDS_FILTER_VALUES)) {
    await aws(`RDS DescribeDBInstances (${ids.length} writers)`, async () => {
      for await (const page of paginateDescribeDBInstances(
        { client: rdsClient(region), pageSize: 100 },
        { Filters: [{ Name: 'db-instance-id', Values: ids }] },
      )) {
        for (const i of page.DBInstances ?? [])
          if (i.DBInstanceIdentifier && i.DBInstanceClass) classes.set(i.DBInstanceIdentifier, i.DBInstanceClass);
      }
    });
  }
  return found.map((d) => {
    const writerClass = classes.get(String(writerOf(d)));
    return writerClass && d.restoreSettings
      ? { ...d, restoreSettings: { ...d.restoreSettings, writerInstanceClass: writerClass } }
      : d;
  });
}

async function describeCluster(region: string, identifier: string): Promise<DBCluster | undefined> {
  try {
    const out = await rdsClient(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return out.DBClusters?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'DBClusterNotFoundFault') return undefined;
    rethrowAws(`RDS DescribeDBClusters ${identifier}`, error);
  }
}

/** The writer's identifier: deterministic, within RDS's 63 characters. */
export const writerIdentifier = (cluster: string) => `${cluster.slice(0, 56)}-writer`;

/** The restore tags on the cluster, put on its writer too. */
const restoreTagsOf = (cluster: DBCluster) =>
  (cluster.TagList ?? []).flatMap((t) =>
    t.Key && t.Value !== undefined && Object.values(RESTORE_TAG).some((k) => k === t.Key)
      ? [{ Key: t.Key, Value: t.Value }]
      : [],
  );

/** Makes the writer of a restored, available cluster (once: a raced second create finds the identifier taken). */
async function createWriter(region: string, cluster: DBCluster, writerId: string, type: ClusterType): Promise<void> {
  const writerClass = tagValue(cluster.TagList, WRITER_CLASS_TAG);
  if (!writerClass)
    throw new InvalidResourceStateError(`restored cluster ${cluster.DBClusterIdentifier} has no writer class tag`);
  try {
    await rdsClient(region).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: writerId,
        DBClusterIdentifier: cluster.DBClusterIdentifier,
        Engine: cluster.Engine,
        DBInstanceClass: writerClass,
        // Aurora's writer is never public; DocumentDB and Neptune take no such parameter.
        ...(type === 'aurora-cluster' ? { PubliclyAccessible: false } : {}),
        Tags: restoreTagsOf(cluster),
      }),
    );
  } catch (error) {
    const code = awsErrorName(error);
    if (code === 'DBInstanceAlreadyExists' || code === 'DBInstanceAlreadyExistsFault') return;
    rethrowAws(`RDS CreateDBInstance ${writerId}`, error);
  }
}

/**
 * Restored by this stack and, when the restore's id is known, by this very restore: the identifiers are
 * recorded before the create, so a name RDS refused may hold another restore's cluster.
 */
const ownedBy = (tags: { Key?: string; Value?: string }[] | undefined, restoredBy: string, restoreId?: string) =>
  tagValue(tags, RESTORE_TAG.restoredBy) === restoredBy &&
  (restoreId === undefined || tagValue(tags, RESTORE_TAG.restoreId) === restoreId);

/** The cluster holding the identifier a restore would take (with its restore-id tag), else its writer's. */
async function clusterNameHolder(request: NameCheckRequest, type: ClusterType): Promise<NameHolder | undefined> {
  const existing = await describeCluster(request.region, request.name);
  if (existing) {
    const restoreId = tagValue(existing.TagList, RESTORE_TAG.restoreId);
    return {
      what: `${CLUSTER_WHAT[type]} identifier ${request.name} is in use in ${request.region}`,
      ...(restoreId ? { restoreId } : {}),
    };
  }
  const writerId = writerIdentifier(request.name);
  // A writer without its cluster is never this restore's to adopt: no restore id is given.
  if (await describeInstance(request.region, writerId))
    return {
      what: `DB instance identifier ${writerId} (the restored cluster's writer) is in use in ${request.region}`,
    };
  return undefined;
}

/** The restore driver of the cluster type `type` (the same calls for every engine of the RDS family). */
export function clusterRestoreDriver(type: ClusterType): RestoreDriver {
  const what = CLUSTER_WHAT[type];
  return {
    type,

    // The cluster's identifier, and its writer's, which is made from it.
    nameProblem: (name) =>
      rdsIdentifierProblem(name, `a ${what} identifier`) ??
      rdsIdentifierProblem(writerIdentifier(name), "the restored cluster's writer identifier"),
    nameHolder: (request) => clusterNameHolder(request, type),
    checkPlacement: dbSubnetGroupProblems,

    async start(request) {
      const settings = parseRestoreSettings(auroraClusterRestoreSettingsSchema, request.settings, what);
      const [snapshotId, ...rest] = request.backupIds;
      if (!snapshotId || rest.length > 0)
        throw new InvalidInputError([{ field: 'backupIds', message: `a ${what} restores from exactly one snapshot` }]);
      const writerClass = settings.writerInstanceClass ?? (settings.serverlessV2 ? 'db.serverless' : undefined);
      if (!writerClass)
        throw new InvalidInputError([
          {
            field: 'settings.writerInstanceClass',
            message: `${what}: the source writer's class was not recorded`,
          },
        ]);
      const writerId = writerIdentifier(request.name);
      const restoredIds = [request.name, writerId];
      const holder = await clusterNameHolder(request, type);
      if (holder) {
        if (holder.restoreId === request.restoreId) return { restoredIds, reused: true };
        throw new NameInUseError(`${holder.what}: nothing restored, nothing touched`);
      }
      const placement = request.placement ?? {};
      // The recorded subnet group and groups exist only in the source's region (a DR copy: defaults).
      const subnetGroup = placed(request, placement.dbSubnetGroupName, settings.dbSubnetGroupName);
      const securityGroups = placed(request, placement.securityGroupIds, settings.vpcSecurityGroupIds) ?? [];
      // So does the cluster parameter group: elsewhere the region's (placement), else the engine's default.
      const parameterGroup = placed(
        request,
        placement.dbClusterParameterGroupName,
        settings.dbClusterParameterGroupName,
      );
      // On the record before the call (the identifiers are ours to choose): a start that dies after RDS
      // made the cluster still leaves a record naming it, and clean-up deletes it.
      await request.journal?.made(restoredIds);
      const restoring = aws(`RDS RestoreDBClusterFromSnapshot ${request.name} from ${snapshotId}`, () =>
        rdsClient(request.region).send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: request.name,
            SnapshotIdentifier: snapshotId,
            Engine: settings.engine,
            ...(settings.engineVersion ? { EngineVersion: settings.engineVersion } : {}),
            ...(subnetGroup ? { DBSubnetGroupName: subnetGroup } : {}),
            ...(securityGroups.length > 0 ? { VpcSecurityGroupIds: securityGroups } : {}),
            ...(settings.port ? { Port: settings.port } : {}),
            ...(parameterGroup ? { DBClusterParameterGroupName: parameterGroup } : {}),
            ...(settings.serverlessV2
              ? {
                  ServerlessV2ScalingConfiguration: {
                    MinCapacity: settings.serverlessV2.minCapacity,
                    MaxCapacity: settings.serverlessV2.maxCapacity,
                  },
                }
              : {}),
            DeletionProtection: false,
            CopyTagsToSnapshot: false,
            Tags: [...restoreTags(request.tags), { Key: WRITER_CLASS_TAG, Value: writerClass }],
          }),
        ),
      );
      // No idempotency token: a lost answer's SDK retry is refused DBClusterAlreadyExistsFault, and the
      // cluster it finds carries this restore's id (adopted), or another's (NameInUseError stands).
      try {
        await restoring;
      } catch (error) {
        if (!(error instanceof NameInUseError)) throw error;
        const found = await describeCluster(request.region, request.name);
        if (tagValue(found?.TagList, RESTORE_TAG.restoreId) === request.restoreId) return { restoredIds, reused: true };
        throw error;
      }
      return { restoredIds, reused: false };
    },

    async check(region, restoredIds) {
      const [clusterId = '', writerId = writerIdentifier(clusterId)] = restoredIds;
      const cluster = await describeCluster(region, clusterId);
      if (!cluster) return { status: 'FAILED', reason: `restored ${what} ${clusterId} is gone` };
      const state = cluster.Status ?? 'unknown';
      if (state !== 'available' && isTransientDbState(state)) return { status: 'RESTORING', state: `cluster ${state}` };
      if (state !== 'available') return { status: 'FAILED', reason: `restored ${what} ${clusterId} is ${state}` };
      const writer: DBInstance | undefined = await describeInstance(region, writerId);
      if (!writer) {
        await createWriter(region, cluster, writerId, type);
        return { status: 'RESTORING', state: 'writer creating' };
      }
      if (writer.DBClusterIdentifier !== cluster.DBClusterIdentifier)
        return { status: 'FAILED', reason: `DB instance ${writerId} is not a member of ${clusterId}` };
      const writerState = writer.DBInstanceStatus ?? 'unknown';
      if (writerState !== 'available' && isTransientDbState(writerState))
        return { status: 'RESTORING', state: `writer ${writerState}` };
      if (writerState !== 'available')
        return { status: 'FAILED', reason: `writer ${writerId} of restored cluster ${clusterId} is ${writerState}` };
      return {
        status: 'AVAILABLE',
        shape: {
          dbClusterIdentifier: clusterId,
          engine: cluster.Engine ?? '',
          engineVersion: cluster.EngineVersion ?? '',
          writerInstanceClass: writer.DBInstanceClass ?? '',
          members: cluster.DBClusterMembers?.length ?? 0,
          encrypted: cluster.StorageEncrypted ?? false,
        },
      };
    },

    async remove(region, restoredIds, restoredBy, context) {
      const restoreId = context?.tags.restoreId;
      const [clusterId = '', writerId = writerIdentifier(clusterId)] = restoredIds;
      // Only what this stack restored: neither the writer nor the cluster is deleted without its tag.
      const writer = await describeInstance(region, writerId);
      if (writer) {
        if (!ownedBy(writer.TagList, restoredBy, restoreId) || writer.DBClusterIdentifier !== clusterId)
          throw new InvalidResourceStateError(
            `DB instance ${writerId} was not restored by ${restoredBy}${restoreId ? ` (${restoreId})` : ''}: not deleted`,
          );
        // RDS refuses to delete a writer it is still creating (InvalidDBInstanceState): waited for.
        if (writer.DBInstanceStatus !== 'deleting' && writer.DBInstanceStatus !== 'creating') {
          try {
            await rdsClient(region).send(
              new DeleteDBInstanceCommand({ DBInstanceIdentifier: writerId, SkipFinalSnapshot: true }),
            );
          } catch (error) {
            // Refused in a state that passes on its own: the next round deletes it.
            if (!(isDbStateRefusal(error) && isTransientDbState(writer.DBInstanceStatus)))
              rethrowAws(`RDS DeleteDBInstance ${writerId}`, error);
          }
        }
        // The cluster goes once it has no member left: a later call deletes it.
        return 'deleting';
      }
      const cluster = await describeCluster(region, clusterId);
      if (!cluster) return 'gone';
      if (!ownedBy(cluster.TagList, restoredBy, restoreId))
        throw new InvalidResourceStateError(
          `${what} ${clusterId} was not restored by ${restoredBy}${restoreId ? ` (${restoreId})` : ''}: not deleted`,
        );
      // A cluster still creating cannot be deleted (InvalidDBClusterStateFault): waited for.
      if (cluster.Status === 'deleting' || cluster.Status === 'creating' || (cluster.DBClusterMembers?.length ?? 0) > 0)
        return 'deleting';
      await aws(`RDS DeleteDBCluster ${clusterId}`, () =>
        rdsClient(region).send(new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, SkipFinalSnapshot: true })),
      );
      return 'deleting';
    },
  };
}

export const auroraClusterRestore: RestoreDriver = clusterRestoreDriver('aurora-cluster');
