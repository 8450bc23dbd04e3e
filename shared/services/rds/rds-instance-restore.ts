/**
 * Restore of an RDS DB instance's snapshot: RestoreDBInstanceFromDBSnapshot under the requested
 * identifier with the source's class, subnet group and security groups as recorded when the backup was
 * made (a drill may impose its own subnet group and security groups), and its parameter and option groups
 * in its own region (elsewhere the placement's for that region, else the engine's default parameter group
 * and the copy's option group: RDS gives a restore naming none its snapshot's, the DR group the copy named), never
 * publicly accessible. An
 * identifier in use is refused with NameInUseError unless it is this very restore's instance (a retry:
 * found by its restore-id tag, nothing made twice). Removal deletes only an instance this stack restored,
 * without a final snapshot and with its automated backups.
 */
import {
  type DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
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
import {
  type NameCheckRequest,
  type NameHolder,
  type PlacementCheckRequest,
  type PlacementProblem,
  parseRestoreSettings,
  placed,
  RESTORE_TAG,
  type RegionFacts,
  type RestoreDriver,
  restoreTags,
} from '../restore';
import { rdsClient } from './client';
import { isTransientDbState } from './rds-snapshots';

/** What restoring a DB instance needs of its source, recorded when the backup was made. */
export const rdsInstanceRestoreSettingsSchema = z.object({
  dbInstanceClass: z.string().min(1),
  dbSubnetGroupName: z.string().min(1).optional(),
  vpcSecurityGroupIds: z.array(z.string().min(1)).default([]),
  availabilityZone: z.string().min(1).optional(),
  multiAz: z.boolean().default(false),
  storageType: z.string().min(1).optional(),
  port: z.number().int().positive().optional(),
  dbParameterGroupName: z.string().min(1).optional(),
  optionGroupName: z.string().min(1).optional(),
});
export type RdsInstanceRestoreSettings = z.infer<typeof rdsInstanceRestoreSettingsSchema>;

/**
 * An instance's restore settings, from the DescribeDBInstances answer discovery already has (no call of
 * its own); undefined without a class to restore into. The parameter and option groups are recorded
 * only when they are not the engine's defaults (`default.` / `default:`), which RDS picks by itself.
 */
export function rdsInstanceRestoreSettings(instance: DBInstance): RdsInstanceRestoreSettings | undefined {
  if (!instance.DBInstanceClass) return undefined;
  const own = (name: string | undefined) => (name && !/^default[.:]/.test(name) ? name : undefined);
  const parameterGroup = own(instance.DBParameterGroups?.[0]?.DBParameterGroupName);
  const optionGroup = own(instance.OptionGroupMemberships?.[0]?.OptionGroupName);
  const port = instance.Endpoint?.Port ?? instance.DbInstancePort;
  return {
    dbInstanceClass: instance.DBInstanceClass,
    ...(instance.DBSubnetGroup?.DBSubnetGroupName
      ? { dbSubnetGroupName: instance.DBSubnetGroup.DBSubnetGroupName }
      : {}),
    vpcSecurityGroupIds: (instance.VpcSecurityGroups ?? [])
      .map((g) => g.VpcSecurityGroupId)
      .filter((id): id is string => Boolean(id)),
    ...(instance.AvailabilityZone ? { availabilityZone: instance.AvailabilityZone } : {}),
    multiAz: instance.MultiAZ ?? false,
    ...(instance.StorageType ? { storageType: instance.StorageType } : {}),
    ...(port ? { port } : {}),
    ...(parameterGroup ? { dbParameterGroupName: parameterGroup } : {}),
    ...(optionGroup ? { optionGroupName: optionGroup } : {}),
  };
}

/**
 * Why `id` is no RDS instance or cluster identifier: 1 to 63 letters, digits or hyphens, starting with a
 * letter, never two hyphens in a row nor one at the end (RDS API reference, DBInstanceIdentifier).
 */
export function rdsIdentifierProblem(id: string, what = 'an RDS DB instance identifier'): string | undefined {
  const problems = [
    ...(/^[a-zA-Z0-9-]*$/.test(id) ? [] : ['takes letters, digits and hyphens only']),
    ...(/^[a-zA-Z]/.test(id) ? [] : ['must start with a letter']),
    ...(id.includes('--') ? ['has no two hyphens in a row'] : []),
    ...(id.endsWith('-') ? ['must not end with a hyphen'] : []),
    ...(id.length > 63 ? ['is at most 63 characters'] : []),
  ];
  return problems.length > 0 ? `${id}: ${what} ${problems.join(', ')}` : undefined;
}

export async function describeInstance(region: string, identifier: string): Promise<DBInstance | undefined> {
  try {
    const out = await rdsClient(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return out.DBInstances?.[0];
  } catch (error) {
    if (awsErrorName(error) === 'DBInstanceNotFound' || awsErrorName(error) === 'DBInstanceNotFoundFault')
      return undefined;
    rethrowAws(`RDS DescribeDBInstances ${identifier}`, error);
  }
}

/** RDS's refusal of a delete for the state the instance or cluster is in. */
export const isDbStateRefusal = (error: unknown): boolean =>
  ['InvalidDBInstanceState', 'InvalidDBInstanceStateFault', 'InvalidDBClusterStateFault'].includes(
    awsErrorName(error) ?? '',
  );

/** The DB subnet group a backup's restore settings recorded (any settings without one name none). */
const recordedSubnetGroupSchema = z.object({ dbSubnetGroupName: z.string() });

/**
 * A DB instance or cluster restored where no DB subnet group applies (none in placement, the recorded one
 * left in the source's region, or RDS's `default`) goes into the region's default VPC: in a region
 * without one RDS refuses it, so Plan refuses it first, naming the field, before anything is made.
 */
export async function dbSubnetGroupProblems(
  request: PlacementCheckRequest,
  facts: RegionFacts,
): Promise<PlacementProblem[]> {
  const recorded = recordedSubnetGroupSchema.safeParse(request.settings);
  const group = placed(
    request,
    request.placement?.dbSubnetGroupName,
    recorded.success ? recorded.data.dbSubnetGroupName : undefined,
  );
  if ((group && group !== 'default') || (await facts.hasDefaultVpc(request.region))) return [];
  return [
    {
      field: 'placement.dbSubnetGroupName',
      message: `${request.region} has no default VPC: name a DB subnet group there (placement.dbSubnetGroupName; a drill's in drills.placement.${request.region})`,
    },
  ];
}

const tagValue = (instance: DBInstance, key: string) => instance.TagList?.find((t) => t.Key === key)?.Value;

/** The DB instance holding the identifier a restore would take, with its restore-id tag. */
async function instanceNameHolder(request: NameCheckRequest): Promise<NameHolder | undefined> {
  const existing = await describeInstance(request.region, request.name);
  if (!existing) return undefined;
  const restoreId = tagValue(existing, RESTORE_TAG.restoreId);
  return {
    what: `RDS instance identifier ${request.name} is in use in ${request.region}`,
    ...(restoreId ? { restoreId } : {}),
  };
}

export const rdsInstanceRestore: RestoreDriver = {
  type: 'rds-instance',

  nameProblem: (name) => rdsIdentifierProblem(name),
  nameHolder: instanceNameHolder,
  checkPlacement: dbSubnetGroupProblems,

  async start(request) {
    const settings = parseRestoreSettings(rdsInstanceRestoreSettingsSchema, request.settings, 'RDS instance');
    const [snapshotId, ...rest] = request.backupIds;
    if (!snapshotId || rest.length > 0)
      throw new InvalidInputError([
        { field: 'backupIds', message: 'an RDS instance restores from exactly one snapshot' },
      ]);
    // This restore's instance (an earlier attempt's, or this attempt's whose answer was lost): adopted.
    const ours = async () => {
      const found = await describeInstance(request.region, request.name);
      return found !== undefined && tagValue(found, RESTORE_TAG.restoreId) === request.restoreId;
    };
    const holder = await instanceNameHolder(request);
    if (holder) {
      if (holder.restoreId === request.restoreId) return { restoredIds: [request.name], reused: true };
      throw new NameInUseError(`${holder.what}: nothing restored, nothing touched`);
    }
    const placement = request.placement ?? {};
    // The recorded subnet group, groups and zone exist only in the source's region (a DR copy: defaults).
    const securityGroups = placed(request, placement.securityGroupIds, settings.vpcSecurityGroupIds) ?? [];
    const subnetGroup = placed(request, placement.dbSubnetGroupName, settings.dbSubnetGroupName);
    const zone = placed(request, placement.availabilityZone, settings.availabilityZone);
    // The source's groups exist in its region only: elsewhere the region's (placement), else RDS's own choice
    // (the engine's default parameter group; the snapshot's option group, which a DR copy's is in that region).
    const parameterGroup = placed(request, placement.dbParameterGroupName, settings.dbParameterGroupName);
    const optionGroup = placed(request, placement.optionGroupName, settings.optionGroupName);
    // On the record before the call (the identifier is ours to choose): a start that dies after RDS made
    // the instance still leaves a record naming it, and clean-up deletes it.
    await request.journal?.made([request.name]);
    const restoring = aws(`RDS RestoreDBInstanceFromDBSnapshot ${request.name} from ${snapshotId}`, () =>
      rdsClient(request.region).send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: request.name,
          DBSnapshotIdentifier: snapshotId,
          DBInstanceClass: settings.dbInstanceClass,
          ...(subnetGroup ? { DBSubnetGroupName: subnetGroup } : {}),
          ...(securityGroups.length > 0 ? { VpcSecurityGroupIds: securityGroups } : {}),
          // A Multi-AZ instance has no single zone to name; a drill's zone wins over the recorded one.
          ...(settings.multiAz ? { MultiAZ: true } : zone ? { AvailabilityZone: zone } : {}),
          ...(settings.storageType ? { StorageType: settings.storageType } : {}),
          ...(settings.port ? { Port: settings.port } : {}),
          ...(parameterGroup ? { DBParameterGroupName: parameterGroup } : {}),
          ...(optionGroup ? { OptionGroupName: optionGroup } : {}),
          PubliclyAccessible: false,
          CopyTagsToSnapshot: false,
          Tags: restoreTags(request.tags),
        }),
      ),
    );
    // RDS takes no idempotency token: when the answer was lost (a 500 after RDS made the instance), the
    // SDK's retry is refused DBInstanceAlreadyExists, and the instance it finds carries this restore's id.
    try {
      await restoring;
    } catch (error) {
      if (error instanceof NameInUseError && (await ours())) return { restoredIds: [request.name], reused: true };
      throw error;
    }
    return { restoredIds: [request.name], reused: false };
  },

  async check(region, restoredIds) {
    const identifier = restoredIds[0] ?? '';
    const instance = await describeInstance(region, identifier);
    if (!instance) return { status: 'FAILED', reason: `restored RDS instance ${identifier} is gone` };
    const state = instance.DBInstanceStatus ?? 'unknown';
    if (state === 'available') {
      return {
        status: 'AVAILABLE',
        shape: {
          dbInstanceIdentifier: identifier,
          dbInstanceClass: instance.DBInstanceClass ?? '',
          engine: instance.Engine ?? '',
          allocatedStorageGiB: instance.AllocatedStorage ?? 0,
          multiAz: instance.MultiAZ ?? false,
          encrypted: instance.StorageEncrypted ?? false,
          publiclyAccessible: instance.PubliclyAccessible ?? false,
        },
      };
    }
    // The states the backup side knows pass on their own (backing-up, modifying, configuring-*, ...).
    if (isTransientDbState(state)) return { status: 'RESTORING', state };
    return { status: 'FAILED', reason: `restored RDS instance ${identifier} is ${state}` };
  },

  async remove(region, restoredIds, restoredBy, context) {
    const identifier = restoredIds[0] ?? '';
    const instance = await describeInstance(region, identifier);
    if (!instance) return 'gone';
    // Only what this stack restored: an instance without its restored-by tag is never deleted here; and,
    // the identifier being recorded before the create, only this restore's (its restore-id tag).
    if (tagValue(instance, RESTORE_TAG.restoredBy) !== restoredBy)
      throw new InvalidResourceStateError(`RDS instance ${identifier} was not restored by ${restoredBy}: not deleted`);
    if (context && tagValue(instance, RESTORE_TAG.restoreId) !== context.tags.restoreId)
      throw new InvalidResourceStateError(
        `RDS instance ${identifier} was made by another restore than ${context.tags.restoreId}: not deleted`,
      );
    if (instance.DBInstanceStatus === 'deleting') return 'deleting';
    // RDS refuses to delete an instance it is still creating (InvalidDBInstanceState): waited for.
    if (instance.DBInstanceStatus === 'creating') return 'deleting';
    try {
      await rdsClient(region).send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          SkipFinalSnapshot: true,
          DeleteAutomatedBackups: true,
        }),
      );
    } catch (error) {
      // Refused in a state that passes on its own (a backup, a modification): the next round deletes it.
      if (!(isDbStateRefusal(error) && isTransientDbState(instance.DBInstanceStatus)))
        rethrowAws(`RDS DeleteDBInstance ${identifier}`, error);
    }
    return 'deleting';
  },
};
