/**
 * What every DynamoDB table a restore makes is named with: the pipeline's restore names are
 * `<source>-restored-<time>` (shared/workflow/restore-plan.ts), and an operator's chosen name must carry
 * the mark too. RestoreTableFromBackup writes the new table with the caller's item permissions, and IAM
 * can scope those only by name (the table has no tags yet): start-restore may write items only to tables
 * whose name carries the mark (./permissions.ts), never to every table. A leaf: the permission data and
 * the restore driver both read it.
 */
export const RESTORED_MARK = '-restored-';

/** Why a DynamoDB restore cannot use `name`, or undefined when it can. */
export function restoredNameProblem(name: string): string | undefined {
  return name.includes(RESTORED_MARK)
    ? undefined
    : `a DynamoDB table is restored under a name carrying "${RESTORED_MARK}" (e.g. "${name}${RESTORED_MARK}1"): the pipeline may write only to tables named so`;
}
