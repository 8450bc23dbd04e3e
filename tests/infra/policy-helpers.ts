/**
 * Reading the synthesized IAM of one pipeline function, and a small evaluator for the statements this
 * stack writes (Allow only; actions with `*` globs; StringEquals conditions on tag keys and on
 * ec2:CreateAction). Enough to ask "would AWS allow this call?" of our own template, not a general
 * IAM engine.
 */
import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { BackupPipelineStack } from '../../infra/stacks/backup-pipeline-stack';
import type { FunctionName, ScheduledFunctionName } from '../../shared/lambda/function-env';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

type PolicyResource = { Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Statement[] } } };

export const actionsIn = (s: Statement): string[] => [s.Action].flat();

/**
 * Every statement of the policies attached to one role: its inline policies and the managed policies CDK
 * moves statements into when a role's inline policy would pass IAM's size limit (`OverflowPolicy`).
 */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = {
    ...template.findResources('AWS::IAM::Policy'),
    ...template.findResources('AWS::IAM::ManagedPolicy'),
  } as Record<string, PolicyResource>;
  return Object.values(policies)
    .filter((p) => (p.Properties.Roles ?? []).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** Every statement of one pipeline function's role. */
export function functionStatements(
  stack: BackupPipelineStack,
  template: Template,
  name: FunctionName | ScheduledFunctionName,
): Statement[] {
  const fn = name === 'check-freshness' ? stack.freshness : stack.functions[name];
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  return statementsOfRole(template, roleId);
}

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

/** The request context a call presents to IAM: its tags and service keys. */
export interface CallContext {
  action: string;
  /** Tags of the resource acted on (for delete conditions). */
  resourceTags?: Record<string, string>;
  /** Other condition keys, e.g. ec2:CreateAction. */
  keys?: Record<string, string>;
  /** A DynamoDB index the call reads, which must be named in the statement's resource. */
  indexName?: string;
  /** The key of an S3 object call in the backup bucket, which the statement's resource pattern must cover. */
  objectKey?: string;
  /** The bucket of an S3 call, matched against a statement whose pattern names buckets (`arn:…:s3:::<pattern>/*`). */
  bucket?: string;
  /** The region the stack is deployed in, for condition values built from `AWS::Region`. */
  homeRegion?: string;
  /** The Step Functions execution a call names, which the statement's resource pattern must cover. */
  executionArn?: string;
  /** The DynamoDB table an item action acts on (a restore's target), which the statement's `table/` pattern must cover. */
  tableName?: string;
  /** The ARN a call acts on (a KMS key), which one of the statement's resource patterns must cover. */
  resourceArn?: string;
  /** The account the stack is deployed in, for resources built from `AWS::AccountId`. */
  account?: string;
}

/** A condition value as deployed: a string (or boolean), or an Fn::Join over strings and `Ref: AWS::Region`. */
function resolved(value: unknown, call: CallContext): string | undefined {
  if (typeof value === 'string') return value;
  // Bool conditions may be written as JSON booleans; IAM compares their string form.
  if (typeof value === 'boolean') return String(value);
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (!join) return undefined;
  const parts = join[1].map((p) =>
    typeof p === 'string' ? p : (p as { Ref?: string }).Ref === 'AWS::Region' ? call.homeRegion : undefined,
  );
  return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
}

function conditionHolds(condition: Statement['Condition'], call: CallContext): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, entries]) => {
    if (operator !== 'StringEquals' && operator !== 'StringLike' && operator !== 'Bool') return false; // not evaluated: never grants
    return Object.entries(entries).every(([key, expected]) => {
      const tag =
        /^(?:aws:ResourceTag|rds:snapshot-tag|rds:cluster-snapshot-tag|rds:db-tag|rds:cluster-tag)\/(.+)$/.exec(
          key,
        )?.[1];
      const actual = tag !== undefined ? call.resourceTags?.[tag] : call.keys?.[key];
      if (actual === undefined) return false;
      const values = ([expected].flat() as unknown[])
        .map((v) => resolved(v, call))
        .filter((v): v is string => v !== undefined);
      return operator === 'StringLike' ? values.some((v) => glob(v).test(actual)) : values.includes(actual);
    });
  });
}

function resourceHolds(resource: unknown, call: CallContext): boolean {
  if (call.action.startsWith('s3:') && call.objectKey !== undefined) {
    // `<bucket ARN>/runs/*/items.json` as deployed: an Fn::Join of the bucket's ARN and the key pattern.
    const key = call.objectKey;
    return (Array.isArray(resource) ? resource : [resource]).some((r) => {
      const join = (r as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
      if (!join) return r === '*';
      const pattern = join[1].filter((p): p is string => typeof p === 'string').join('');
      // A pattern naming its buckets (the runtime-made ones) covers `<bucket>/<key>`.
      const named = pattern.split(':s3:::')[1];
      if (named !== undefined) return call.bucket !== undefined && glob(named).test(`${call.bucket}/${key}`);
      return glob(pattern.replace(/^\//, '')).test(key);
    });
  }
  if (call.action.startsWith('states:') && call.executionArn !== undefined) {
    // `arn:<partition>:states:<region>:<account>:execution:<machine>:*` as deployed: the pseudo
    // parameters are the account's own; the machine and the name pattern must cover the call's.
    const machineAndName = call.executionArn.split(':').slice(5).join(':');
    return [resource].flat().some((one) => {
      const join = (one as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
      const text = join ? join[1].filter((p): p is string => typeof p === 'string').join('') : String(one);
      const pattern = text.slice(text.indexOf(':execution:') + 1);
      return text.includes(':execution:') && glob(pattern).test(machineAndName);
    });
  }
  if (call.resourceArn !== undefined) {
    // An ARN pattern as deployed: a string, or an Fn::Join over strings and the pseudo parameters.
    const arn = call.resourceArn;
    return [resource].flat().some((one) => {
      const join = (one as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
      const parts = join
        ? join[1].map((p) => {
            if (typeof p === 'string') return p;
            const ref = (p as { Ref?: string }).Ref;
            return ref === 'AWS::Partition'
              ? 'aws'
              : ref === 'AWS::AccountId'
                ? call.account
                : ref === 'AWS::Region'
                  ? call.homeRegion
                  : undefined;
          })
        : [one];
      if (!parts.every((p): p is string => typeof p === 'string')) return false;
      return glob(parts.join(join?.[0] ?? '')).test(arn);
    });
  }
  if (!call.action.startsWith('dynamodb:')) return true;
  if (call.tableName !== undefined) {
    const name = call.tableName;
    // `arn:<partition>:dynamodb:*:<account>:table/<pattern>` as deployed: the pattern must cover the name.
    return [resource]
      .flat()
      .some((one) => [...JSON.stringify(one).matchAll(/:table\/([^"/]*)"/g)].some((m) => glob(m[1] ?? '').test(name)));
  }
  // Each resource of the statement on its own: one statement may name an index and the table.
  return [resource].flat().some((one) => {
    const text = JSON.stringify(one);
    return call.indexName ? text.includes(`/index/${call.indexName}`) : !text.includes('/index/');
  });
}

export function allows(statements: Statement[], call: CallContext): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      actionsIn(s).some((a) => glob(a).test(call.action)) &&
      resourceHolds(s.Resource, call) &&
      conditionHolds(s.Condition, call),
  );
}

/** The resources a role's cdk-nag acknowledgements name (`AwsSolutions-IAM5[Resource::<resource>]`). */
export function acknowledgedResources(role: Role): string[] {
  return role.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Record<string, string>))
    .map((id) => /AwsSolutions-IAM5\[Resource::(.*)\]$/.exec(id)?.[1])
    .filter((resource): resource is string => resource !== undefined);
}
