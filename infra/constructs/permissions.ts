/**
 * The one place every permission is applied and every IAM finding acknowledged. The data comes from
 * each service (shared/services/<service>/permissions.ts, gathered by shared/services/catalog.ts),
 * from the constructs that own the stack's resources (state table, notifications, state machine,
 * schedules) and from the workflow (./workflow-permissions.ts). Each grant becomes one Allow
 * statement on its holder's role, placeholders filled; each wildcard reason becomes a cdk-nag
 * AwsSolutions-IAM5 acknowledgement on that role, its id derived from the resource as deployed
 * (printed the way cdk-nag prints it), so the two cannot drift apart. One reason per role and
 * resource: two sets giving the same wildcard different reasons fail the synth.
 */
import { Aws, type Stack, Validations } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { FUNCTION_NAMES, type FunctionName, type ScheduledFunctionName } from '../../shared/lambda/function-env';
import { recoveryBucketNamePattern, runtimeBucketPrefix } from '../../shared/names';
import {
  ACCOUNT,
  BACKUP_BUCKET_ARN,
  type ConditionValue,
  type Grant,
  PARTITION,
  type PermissionSet,
  RECOVERY_BUCKETS,
  REGION,
  type RolePermissions,
  RUNTIME_BUCKETS,
  STACK_NAME,
} from '../../shared/services/permission-set';
import type { PipelineFunction } from './pipeline-function';

/** Every role the stack grants to: the pipeline functions, the state machine, the freshness schedule. */
export type RoleHolder =
  | FunctionName
  | ScheduledFunctionName
  | 'state-machine'
  | 'restore-state-machine'
  | 'freshness-schedule';

/**
 * The roles to grant to. The home stack has every one; a recovery stack (../stacks/recovery-stack.ts)
 * only the restore functions and the restore machine, and passes only their part of each set: a set
 * naming a holder with no role here is a wiring mistake and fails the synth.
 */
export interface PermissionTargets {
  functions: Readonly<Partial<Record<FunctionName, PipelineFunction>>>;
  freshness?: PipelineFunction;
  stateMachine?: StateMachine;
  restoreStateMachine?: StateMachine;
  freshnessScheduleRole?: IRole;
  /** The values of the stack-specific placeholders. */
  stackName: string;
  backupBucket: IBucket;
}

/** Every function's role holds '*' statements: Describe/List calls (the data) and X-Ray writes (tracing). */
const FUNCTION_WILDCARD_REASON =
  'EC2/RDS Describe* calls and X-Ray trace writes have no resource-level permissions; all create and delete actions are scoped.';

export function applyPermissions(
  stack: Stack,
  targets: PermissionTargets,
  sets: readonly PermissionSet<RoleHolder>[],
): void {
  const fill = stackFiller(targets.stackName, targets.backupBucket);

  const roles: Partial<Record<RoleHolder, IRole>> = {
    ...Object.fromEntries(
      FUNCTION_NAMES.flatMap((name) => {
        const fn = targets.functions[name];
        return fn ? [[name, fn.role]] : [];
      }),
    ),
    'check-freshness': targets.freshness?.role,
    'state-machine': targets.stateMachine?.role,
    'restore-state-machine': targets.restoreStateMachine?.role,
    'freshness-schedule': targets.freshnessScheduleRole,
  };
  const roleOf = (holder: RoleHolder): IRole => {
    const role = roles[holder];
    if (!role) throw new Error(`${holder}: granted permissions, but this stack has no such role`);
    return role;
  };
  const functionRoles = [...FUNCTION_NAMES, 'check-freshness' as const].flatMap((f) => roles[f] ?? []);
  grantPermissionSets(
    stack,
    sets,
    fill,
    roleOf,
    new Map(functionRoles.map((role) => [role, FUNCTION_WILDCARD_REASON])),
  );
}

/** The stack's placeholders filled: every template of a central or recovery stack's permission data. */
export function stackFiller(stackName: string, backupBucket: IBucket): (template: string) => string {
  return fillerOf([
    // First: the pattern names the account placeholder, filled below.
    [RECOVERY_BUCKETS, recoveryBucketNamePattern(stackName, ACCOUNT)],
    [RUNTIME_BUCKETS, `${runtimeBucketPrefix(stackName)}*`],
    [PARTITION, Aws.PARTITION],
    [ACCOUNT, Aws.ACCOUNT_ID],
    [REGION, Aws.REGION],
    [STACK_NAME, stackName],
    [BACKUP_BUCKET_ARN, backupBucket.bucketArn],
  ]);
}

/** Fills the placeholders of a resource or condition template, in the order given. */
export function fillerOf(placeholders: readonly (readonly [string, string])[]): (template: string) => string {
  return (template) => placeholders.reduce((text, [from, to]) => text.replaceAll(from, to), template);
}

/**
 * The one way permission data becomes IAM, for the central stack's roles (applyPermissions) and the member
 * role (../stacks/member-stack.ts): each grant of each holder one Allow statement on the role `roleOf`
 * names, placeholders filled; each wildcard reason a cdk-nag AwsSolutions-IAM5 acknowledgement on that
 * role, with `anything` as the reason for '*' on the roles it names. A holder giving one wildcard two
 * reasons fails the synth; holders sharing a role (the member role holds every function's account-side
 * grants) each keep theirs, and the acknowledgement names them all.
 */
export function grantPermissionSets<H extends string>(
  stack: Stack,
  sets: readonly PermissionSet<H>[],
  fill: (template: string) => string,
  roleOf: (holder: H) => IRole,
  anything: ReadonlyMap<IRole, string>,
): void {
  /** Role → resource → holder → reason. */
  const reasons = new Map<IRole, Map<string, Map<string, string>>>();
  const reasonsOf = (role: IRole) => reasons.get(role) ?? reasons.set(role, new Map()).get(role);
  for (const [role, reason] of anything) reasonsOf(role)?.set('*', new Map([['*', reason]]));
  for (const set of sets) {
    for (const [holder, permissions] of Object.entries(set) as [H, RolePermissions | undefined][]) {
      const role = roleOf(holder);
      for (const grant of permissions?.grants ?? []) role.addToPrincipalPolicy(statementOf(grant, fill));
      const byResource = reasonsOf(role) ?? new Map<string, Map<string, string>>();
      for (const [resource, reason] of Object.entries(permissions?.wildcards ?? {})) {
        const byHolder = byResource.get(resource) ?? byResource.set(resource, new Map()).get(resource);
        // '*' has one reason for every holder of the role: `anything`'s.
        const key = byHolder?.has('*') ? '*' : holder;
        const known = byHolder?.get(key);
        if (known !== undefined && known !== reason) {
          throw new Error(`${holder}: two reasons for the wildcard ${resource}: "${known}" and "${reason}"`);
        }
        byHolder?.set(key, reason);
      }
    }
  }
  for (const [role, byResource] of reasons) {
    Validations.of(role).acknowledge(
      ...[...byResource].map(([resource, byHolder]) => ({
        id: `AwsSolutions-IAM5[Resource::${asNagPrints(stack.resolve(fill(resource)))}]`,
        reason: reasonOf(byHolder),
      })),
    );
  }
}

/** One holder's reason as it is; several holders' distinct reasons each under its holder's name. */
function reasonOf(byHolder: ReadonlyMap<string, string>): string {
  const distinct = [...new Set(byHolder.values())];
  if (distinct.length === 1) return distinct[0] ?? '';
  return [...byHolder].map(([holder, reason]) => `${holder}: ${reason}`).join('; ');
}

/** The part of a permission set that names one of `holders`: what a stack with only those roles applies. */
export function permissionsOf<H extends RoleHolder>(
  set: PermissionSet<RoleHolder>,
  holders: readonly H[],
): PermissionSet<H> {
  return Object.fromEntries(
    Object.entries(set).filter(([holder]) => (holders as readonly string[]).includes(holder)),
  ) as PermissionSet<H>;
}

function statementOf(grant: Grant, fill: (template: string) => string): PolicyStatement {
  const value = (v: ConditionValue) => (typeof v === 'string' ? fill(v) : typeof v === 'boolean' ? v : v.map(fill));
  const conditions = grant.conditions
    ? Object.fromEntries(
        Object.entries(grant.conditions).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, v]) => [key, value(v)])),
        ]),
      )
    : undefined;
  return new PolicyStatement({ actions: [...grant.actions], resources: grant.resources.map(fill), conditions });
}

/**
 * A resolved resource as cdk-nag prints it in a finding id: references as `<LogicalId>` or
 * `<LogicalId.Attribute>` (pseudo parameters as `<AWS::Partition>`), joins flattened.
 */
export function asNagPrints(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const node = resolved as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (node.Ref !== undefined) return `<${node.Ref}>`;
  if (node['Fn::GetAtt']) return `<${node['Fn::GetAtt'][0]}.${node['Fn::GetAtt'][1]}>`;
  if (node['Fn::Join']) return node['Fn::Join'][1].map(asNagPrints).join(node['Fn::Join'][0]);
  return JSON.stringify(resolved);
}
