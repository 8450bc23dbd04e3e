/**
 * The shape of a service's IAM needs as plain data: which function needs which actions on which
 * resources under which conditions, and why each wildcard resource cannot be narrower. No CDK here
 * (shared/ is bundled into the Lambdas): infra/constructs/permissions.ts is the one place that turns
 * these into policy statements on each function's role and cdk-nag acknowledgements.
 */
import type { FunctionName } from '../lambda/function-names';

/**
 * Placeholders a resource or condition value may hold, filled by the stack at synth. The pseudo
 * parameters are written as cdk-nag prints them, so a wildcard's finding id is
 * `AwsSolutions-IAM5[Resource::<its template>]`.
 */
export const PARTITION = '<AWS::Partition>';
export const ACCOUNT = '<AWS::AccountId>';
export const REGION = '<AWS::Region>';
/** The stack's name as configured (cdk.json), e.g. in managed-by tag conditions. */
export const STACK_NAME = '<StackName>';
/** The stack's backup bucket, where DynamoDB exports land. */
export const BACKUP_BUCKET_ARN = '<BackupBucket.Arn>';
/**
 * The stack's recovery buckets (config `recovery`, one per recovery region, owned by that region's
 * recovery stack): a bucket-name pattern, names.ts recoveryBucketNamePattern of the stack and account.
 */
export const RECOVERY_BUCKETS = '<RecoveryBuckets>';
/** The buckets the pipeline makes at run time (names.ts runtimeBucketPrefix of the stack, then `*`). */
export const RUNTIME_BUCKETS = '<RuntimeBuckets>';

export type ConditionValue = string | boolean | readonly string[];

/** One IAM statement (Allow). */
export interface Grant {
  actions: readonly string[];
  /** ARN templates, or '*' only for actions AWS offers no resource-level permission for (Describe*, List*). */
  resources: readonly string[];
  /** Operator → condition key → value(s), as in an IAM policy. */
  conditions?: Readonly<Record<string, Readonly<Record<string, ConditionValue>>>>;
}

/** What one function (or other role holder) is granted. */
export interface RolePermissions {
  grants: readonly Grant[];
  /**
   * Why each wildcard resource of these grants cannot be narrower, acknowledged as cdk-nag finding
   * AwsSolutions-IAM5 on the role. `'*'` is acknowledged for every function in one place (Describe and
   * List calls, X-Ray writes), so it is not repeated here.
   */
  wildcards?: Readonly<Record<string, string>>;
}

/** A set of permissions by holder: the pipeline functions for a service, other roles for the stack's own. */
export type PermissionSet<Holder extends string = FunctionName> = Readonly<Partial<Record<Holder, RolePermissions>>>;

/** An action AWS evaluates on a call's behalf, beyond the call's own. */
export interface ImpliedAction {
  readonly action: string;
  /** Condition keys the request presents with it (`ec2:CreateAction`: the call that creates and tags). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Evaluated on the table the call names as its target (a restore's), not on the call's own resource. */
  readonly onTargetTable?: true;
}

/**
 * What AWS evaluates on a service's calls' behalf, by the call's action (`ec2:CreateSnapshot`): tags in a
 * create are authorized as the service's tagging action, a service writes or reads S3 with the caller's
 * permissions. Each must be granted where its call is, and counts as used when its call is made
 * (tests/infra/iam-matches-handler-calls.test.ts).
 */
export type ImpliedActions = Readonly<Record<string, readonly ImpliedAction[]>>;
