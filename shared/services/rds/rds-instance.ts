/**
 * RDS DB instances (an Aurora member selects its cluster, see ./aurora-cluster.ts). CreateDBSnapshot with a
 * deterministic identifier per run and instance, so a retried start finds the snapshot it already
 * started instead of creating a second one (DESIGN §7). A refusal for the instance's state is judged by
 * that state: one that passes (`backing-up`, `modifying`, `rebooting`, `upgrading`, `configuring-*`, ...)
 * is LimitExceededError, retried with long intervals; one that needs an operator (stopped, deleting,
 * failed, incompatible-*) is InvalidResourceStateError, recorded, not retried. The steps it shares with
 * Aurora clusters are in ./rds-driver.ts.
 */
import {
  CopyDBSnapshotCommand,
  CreateDBSnapshotCommand,
  type DBInstance,
  type DBSnapshot,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from '@aws-sdk/client-rds';
import { awsErrorName, ResourceNotFoundError } from '../../errors';
import type { ResourceRef } from '../../resource';
import { resourceTagsOf } from '../../tags';
import type { Discovered } from '../driver';
import { rdsAccountQuota } from './account-quotas';
import { auroraClusterArn, clusterTypeOf } from './catalog';
import { rdsClient } from './client';
import { copyOptionGroup, optionGroupRefusal } from './copy-option-group';
import { describeSource, type RdsDriverSpec, rdsDriver, rdsPages } from './rds-driver';
import { rdsInstanceRestoreSettings } from './rds-instance-restore';
import { checkDbSnapshot, stateRefusal, tagsToCopy } from './rds-snapshots';

export { checkDbSnapshot, rdsSnapshotIdentifier } from './rds-snapshots';

/**
 * A cluster member (Aurora, DocumentDB, Neptune: typed by its engine) selects its cluster instead: a
 * cluster is backed up once, never per member.
 */
function toDiscovered(ref: ResourceRef, instance: DBInstance): Discovered {
  const clusterId = instance.DBClusterIdentifier;
  if (clusterId) {
    const partition = ref.arn.split(':')[1] ?? 'aws';
    // No sourceTags: the cluster's own tags count, and a member's description does not carry them.
    return {
      ref,
      backedUpWith: {
        arn: auroraClusterArn(partition, ref.region, ref.accountId, clusterId),
        type: clusterTypeOf(instance.Engine),
        region: ref.region,
        accountId: ref.accountId,
        id: clusterId,
      },
      // A member's storage encryption is its cluster's: Plan carries it over to the cluster it selects.
      ...(instance.StorageEncrypted ? { encrypted: true } : {}),
      // The tags that selected the cluster: Plan adds them to the cluster's own (an application's tags
      // set on the member operators see in the console find its cluster).
      resourceTags: resourceTagsOf(instance.TagList),
    };
  }
  // What its restore needs (class, subnet group, security groups, ...), from this very description.
  const restoreSettings = rdsInstanceRestoreSettings(instance);
  return {
    ref,
    ...(instance.StorageEncrypted ? { encrypted: true } : {}),
    sourceTags: tagsToCopy(instance),
    resourceTags: resourceTagsOf(instance.TagList),
    ...(restoreSettings ? { restoreSettings } : {}),
  };
}

const spec: RdsDriverSpec<DBInstance, DBSnapshot> = {
  type: 'rds-instance',
  quota: rdsAccountQuota('ManualSnapshots', 'manual DB snapshots'),
  what: 'RDS instance',
  sources: {
    call: 'DescribeDBInstances',
    idFilter: 'db-instance-id',
    one: async (region, id) =>
      (await rdsClient(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances,
    pages: rdsPages(paginateDescribeDBInstances, (page) => page.DBInstances),
    arnOf: (instance) => instance.DBInstanceArn,
    idOf: (instance) => instance.DBInstanceIdentifier,
  },
  toDiscovered,
  snapshots: {
    kind: 'rds-snapshot',
    noun: 'snapshot',
    arnType: 'snapshot',
    call: 'DescribeDBSnapshots',
    calls: { create: 'CreateDBSnapshot', copy: 'CopyDBSnapshot', delete: 'DeleteDBSnapshot' },
    notFound: new Set(['DBSnapshotNotFound', 'DBSnapshotNotFoundFault']),
    alreadyExists: new Set(['DBSnapshotAlreadyExists', 'DBSnapshotAlreadyExistsFault']),
    one: async (region, id) =>
      (await rdsClient(region).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots,
    pages: rdsPages(paginateDescribeDBSnapshots, (page) => page.DBSnapshots),
    idOf: (s) => s.DBSnapshotIdentifier,
    sourceIdOf: (s) => s.DBInstanceIdentifier,
    check: checkDbSnapshot,
    create: async (resource, identifier, tags) =>
      (
        await rdsClient(resource.region).send(
          new CreateDBSnapshotCommand({
            DBSnapshotIdentifier: identifier,
            DBInstanceIdentifier: resource.id,
            Tags: tags,
          }),
        )
      ).DBSnapshot,
    /** Into the destination's option group when the source's is not the default (./copy-option-group.ts). */
    async copy(request, source, target, tags) {
      const groups = await copyOptionGroup(request, target);
      try {
        await rdsClient(request.region).send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: source,
            TargetDBSnapshotIdentifier: target,
            ...(request.kmsKeyId ? { KmsKeyId: request.kmsKeyId } : {}),
            ...(groups ? { OptionGroupName: groups.target } : {}),
            Tags: tags,
          }),
        );
        return undefined;
      } catch (error) {
        const refused = groups ? optionGroupRefusal(error, request, groups) : undefined;
        if (refused) return { refused };
        throw error;
      }
    },
    remove: (region, id) => rdsClient(region).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })),
    /** The snapshot's AllocatedStorage (GiB), which every snapshot description carries: no extra call. */
    sizeOf: (snapshot) => (snapshot?.AllocatedStorage !== undefined ? { sizeGiB: snapshot.AllocatedStorage } : {}),
  },
  async refusedForState(resource, error) {
    const name = awsErrorName(error);
    if (name !== 'InvalidDBInstanceState' && name !== 'InvalidDBInstanceStateFault') return undefined;
    const instance = await describeSource(spec, resource).catch((described: unknown) => {
      if (described instanceof ResourceNotFoundError) return undefined;
      throw described;
    });
    // An Aurora member is refused for what it is, not for a state that passes.
    if (!instance || instance.DBClusterIdentifier) return undefined;
    return stateRefusal(
      `RDS instance ${resource.id}`,
      instance.DBInstanceStatus,
      error,
      `RDS CreateDBSnapshot ${resource.id}`,
    );
  },
};

export const rdsInstanceDriver = rdsDriver(spec);
export const rdsSnapshotStore = rdsInstanceDriver.store;
