/**
 * The option group a cross-region copy of an RDS instance's snapshot goes into. Option groups are
 * regional: CopyDBSnapshot into another region of a snapshot in a non-default option group names a group
 * of the destination (RDS API Reference, CopyDBSnapshot OptionGroupName; RDS refuses the copy without one
 * when the snapshot needs the group's options). The convention: operators create the same-named group in
 * the DR region with their IaC; `copyTo[].optionGroups` maps a source group to another name there. The
 * source's group is the one Plan recorded for its restore (no call), else the snapshot's own.
 */
import { DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { awsErrorName, rethrowAws } from '../../errors';
import type { CopyRequest } from '../driver';
import { rdsClient } from './client';

export interface CopyOptionGroup {
  /** The source snapshot's group, in the source's region. */
  source: string;
  /** The destination's group the copy names. */
  target: string;
}

const isDefault = (name: string) => /^default:/.test(name);

/** The source snapshot's option group when it is not the engine's default; undefined otherwise. */
async function sourceOptionGroup(request: CopyRequest, snapshotId: string): Promise<string | undefined> {
  const settings = request.restoreSettings;
  // Recorded at Plan only when not the engine's default (rds-instance-restore.ts).
  if (settings) return typeof settings.optionGroupName === 'string' ? settings.optionGroupName : undefined;
  // Not recorded (an item written before Plan recorded restore settings): the snapshot tells. Not found:
  // nothing to name, and the copy call answers for the missing source.
  const region = request.resource.region;
  const out = await rdsClient(region)
    .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }))
    .catch((error: unknown) =>
      /^DBSnapshotNotFound/.test(awsErrorName(error) ?? '')
        ? undefined
        : rethrowAws(`RDS DescribeDBSnapshots ${snapshotId}`, error),
    );
  const name = out?.DBSnapshots?.[0]?.OptionGroupName;
  return name && !isDefault(name) ? name : undefined;
}

/** The groups of a copy to `request.region`, or undefined when the copy names none (the engine's default). */
export async function copyOptionGroup(request: CopyRequest, snapshotId: string): Promise<CopyOptionGroup | undefined> {
  const source = await sourceOptionGroup(request, snapshotId);
  if (!source) return undefined;
  return { source, target: request.optionGroups?.[source] ?? source };
}

/**
 * Why a copy naming `groups.target` was refused, when it was for the group (the destination has none of
 * that name): what the operator creates or maps. Undefined for any other refusal.
 */
export function optionGroupRefusal(error: unknown, request: CopyRequest, groups: CopyOptionGroup): string | undefined {
  const name = awsErrorName(error);
  if (name !== 'OptionGroupNotFoundFault' && name !== 'OptionGroupNotFound') return undefined;
  const mapped = groups.target !== groups.source ? ` (copyTo[].optionGroups maps ${groups.source} to it)` : '';
  return (
    `option group ${groups.target} does not exist in ${request.region}${mapped}: RDS copies the snapshot into an ` +
    `option group of that region. Create ${groups.target} there (same engine and options as ${groups.source} in ` +
    `${request.resource.region}), or map ${groups.source} to an existing group of ${request.region} in copyTo[].optionGroups`
  );
}
