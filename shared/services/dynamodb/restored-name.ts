/**
 * What every DynamoDB table a restore makes is named with: the pipeline's restore names are
 * `<source>-restored-<time>` (shared/workflow/restore/restore-plan.ts), and an operator's chosen name must carry
 * the mark too. RestoreTableFromBackup writes the new table with the caller's item permissions, and IAM
 * can scope those only by name (the table has no tags yet): start-restore may write items only to tables
 * whose name carries the mark (./permissions.ts), never to every table. A leaf: the permission data and
 * the restore driver both read it.
 */
export const RESTORED_MARK = '-restored-';

/** Why `name` is no DynamoDB table name: 3 to 255 letters, digits, `_`, `.` or `-` (DynamoDB naming rules). */
export function tableNameProblem(name: string): string | undefined {
  const problems = [
    ...(name.length >= 3 && name.length <= 255 ? [] : ['is 3 to 255 characters']),
    ...(/^[a-zA-Z0-9_.-]*$/.test(name) ? [] : ['takes letters, digits, _ . and - only']),
  ];
  return problems.length > 0 ? `${name}: a DynamoDB table name ${problems.join(', ')}` : undefined;
}

/** Why a DynamoDB restore cannot use `name` (DynamoDB's rule, then the restore mark), or undefined when it can. */
export function restoredNameProblem(name: string): string | undefined {
  return (
    tableNameProblem(name) ??
    (name.includes(RESTORED_MARK)
      ? undefined
      : `a DynamoDB table is restored under a name carrying "${RESTORED_MARK}" (e.g. "${name}${RESTORED_MARK}1"): the pipeline may write only to tables named so`)
  );
}
