/**
 * The caller's side of KMS key use in the workflow sandbox. AWS services that encrypt on the caller's
 * behalf (EBS CreateVolume and RunInstances, RDS and Aurora restores, the copies) use a customer managed
 * key only as far as the caller's IAM policy allows. The model asks an authorizer (local/model/kms.ts);
 * this one answers as the stack would: each handler runs under its function's name, and a key use is
 * allowed when that function's grants, as infra/constructs/permissions.ts applies them from the
 * permission data (placeholders filled), allow the action on the key with the request's condition keys.
 * A missing grant therefore fails the scenario the way AWS fails it, not with a mocked denial. Every use
 * is recorded with its caller, for the IAM-vs-calls test to check against the synthesized policy.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { WORKFLOW_PERMISSIONS } from '../../infra/constructs/workflow-permissions';
import type { LocalHandler } from '../../local/handlers';
import type { KeyUse, KeyUseAuthorizer } from '../../local/model';
import type { FunctionName } from '../../shared/lambda/function-env';
import { SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import {
  ACCOUNT as ACCOUNT_PLACEHOLDER,
  BACKUP_BUCKET_ARN,
  type ConditionValue,
  PARTITION,
  type PermissionSet,
  REGION as REGION_PLACEHOLDER,
  STACK_NAME,
} from '../../shared/services/permission-set';
import { allows, type Statement } from '../infra/policy-helpers';

/** A key use as the model asked it, the function it was made for, and the answer. */
export interface RecordedKeyUse extends KeyUse {
  fn: FunctionName;
  allowed: boolean;
}

const caller = new AsyncLocalStorage<FunctionName>();

/** The handlers, each run under its function's name (so a key use is the function's). */
export function attributeHandlers(handlers: Record<FunctionName, LocalHandler>): Record<FunctionName, LocalHandler> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [
      name,
      ((event, context) => caller.run(name as FunctionName, () => handler(event, context))) satisfies LocalHandler,
    ]),
  ) as Record<FunctionName, LocalHandler>;
}

/** One function's statements from the permission data, placeholders filled as the stack fills them. */
function statementsOf(
  fn: FunctionName,
  fill: { account: string; region: string; stackName: string; bucketArn: string },
): Statement[] {
  const text = (v: string) =>
    v
      .replaceAll(PARTITION, 'aws')
      .replaceAll(ACCOUNT_PLACEHOLDER, fill.account)
      .replaceAll(REGION_PLACEHOLDER, fill.region)
      .replaceAll(STACK_NAME, fill.stackName)
      .replaceAll(BACKUP_BUCKET_ARN, fill.bucketArn);
  const value = (v: ConditionValue) => (typeof v === 'string' ? text(v) : typeof v === 'boolean' ? v : v.map(text));
  const sets: PermissionSet[] = [...Object.values(SERVICE_PERMISSIONS), WORKFLOW_PERMISSIONS];
  return sets.flatMap((set) =>
    (set[fn]?.grants ?? []).map(
      (grant): Statement => ({
        Effect: 'Allow',
        Action: [...grant.actions],
        Resource: grant.resources.map(text),
        ...(grant.conditions
          ? {
              Condition: Object.fromEntries(
                Object.entries(grant.conditions).map(([operator, keys]) => [
                  operator,
                  Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, value(v)])),
                ]),
              ),
            }
          : {}),
      }),
    ),
  );
}

/**
 * The authorizer the workflow sandbox gives the model, and the uses it saw. A use made outside any
 * handler (a test seeding its estate) is the account owner's own and allowed.
 */
export function stackKeyUseAuthorizer(fill: {
  account: string;
  region: string;
  stackName: string;
  bucketArn: string;
}): { authorize: KeyUseAuthorizer; uses: RecordedKeyUse[] } {
  const uses: RecordedKeyUse[] = [];
  const statements = new Map<FunctionName, Statement[]>();
  const authorize: KeyUseAuthorizer = (use) => {
    const fn = caller.getStore();
    if (!fn) return true;
    if (!statements.has(fn)) statements.set(fn, statementsOf(fn, fill));
    const allowed = allows(statements.get(fn) ?? [], {
      action: use.action,
      keys: use.keys,
      resourceArn: use.keyArn,
      homeRegion: fill.region,
      account: fill.account,
    });
    uses.push({ ...use, fn, allowed });
    return allowed;
  };
  return { authorize, uses };
}
