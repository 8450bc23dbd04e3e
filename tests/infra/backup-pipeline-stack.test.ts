/**
 * The CDK stack, asserted on its template: resources, IAM statements and their conditions, schedules,
 * the inlined ASL (every placeholder substituted, none unused), and cdk-nag clean. Bundling is skipped
 * (`aws:cdk:bundling-stacks: []`) so a synth takes a fraction of a second.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { buildApp } from '../../infra/bin/app';
import { functionsNamedIn, RESTORE_ASL_FILE } from '../../infra/constructs/backup-state-machine';
import { ASL_FILE } from '../../infra/stacks/backup-pipeline-stack';
import { DEPLOYED_SDK_MAX_ATTEMPTS } from '../../shared/lambda/clients';
import { ENV_SCHEMAS, FUNCTION_NAMES, placeholderOf, SCHEDULED_FUNCTION_NAMES } from '../../shared/lambda/function-env';
import { RESOURCE_TYPES } from '../../shared/resource';
import { statementsOfRole } from './policy-helpers';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };
/** The shipped drills (their isolated placement included): a test changing one drill setting keeps the rest. */
const shippedDrills = (cdkJson.context.backupPipeline as { drills: { placement: Record<string, object> } }).drills;

function synth(overrides: Record<string, unknown> = {}) {
  const context = {
    ...cdkJson.context,
    backupPipeline: { ...(cdkJson.context.backupPipeline as object), ...overrides },
    'aws:cdk:bundling-stacks': [],
  };
  const { stack } = buildApp(new App({ context }));
  return { stack, template: Template.fromStack(stack) };
}

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Effect: string;
};

const { stack, template } = synth();

function statementsOf(name: string, of: Template = template): Statement[] {
  const logicalPrefix = placeholderOf(name as never).replace(/FunctionArn$/, 'Function');
  // Its inline policy and, past IAM's inline size limit, the managed policies CDK moves statements into.
  const policies = { ...of.findResources('AWS::IAM::Policy'), ...of.findResources('AWS::IAM::ManagedPolicy') };
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`${logicalPrefix}Role`))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
}
const actionsOf = (name: string) =>
  statementsOf(name).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

type AslState = {
  Type: string;
  TimeoutSeconds?: number;
  Parameters?: { FunctionName?: string };
  ItemProcessor?: { States: Record<string, AslState> };
};
const allStates = (states: Record<string, AslState>): AslState[] =>
  Object.values(states).flatMap((st) => [st, ...(st.ItemProcessor ? allStates(st.ItemProcessor.States) : [])]);

describe('state table', () => {
  it('is on-demand, point-in-time recoverable, encrypted, expires items by ttl and lists runs by start time', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'byStartedAt',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
        }),
      ],
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain' });
  });
});

describe('functions', () => {
  const functions = template.findResources('AWS::Lambda::Function');

  it('defines one Lambda per task, all on Node.js 22+ arm64 with JSON logs, tracing and a log group with retention', () => {
    expect(Object.keys(functions)).toHaveLength(FUNCTION_NAMES.length + SCHEDULED_FUNCTION_NAMES.length);
    for (const fn of Object.values(functions) as { Properties: Record<string, unknown> }[]) {
      expect(Number(String(fn.Properties.Runtime).replace(/\D/g, ''))).toBeGreaterThanOrEqual(22);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: expect.anything() });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as {
      Properties: { RetentionInDays?: number };
    }[];
    expect(groups.every((g) => g.Properties.RetentionInDays === 90)).toBe(true);
  });

  it('deploys every function with the SDK retry settings the sandbox runs the handlers with', () => {
    // The sandbox sets the same (local/sandbox.ts): a lost answer is retried by the SDK there as in AWS.
    for (const fn of Object.values(functions) as { Properties: { Environment: { Variables: object } } }[]) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        AWS_MAX_ATTEMPTS: String(DEPLOYED_SDK_MAX_ATTEMPTS),
      });
    }
  });

  it('names the Powertools service and metrics namespace on every function', () => {
    for (const fn of Object.values(functions) as { Properties: { Environment: { Variables: object } } }[]) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'backup-pipeline',
        POWERTOOLS_METRICS_NAMESPACE: 'BackupPipeline',
      });
    }
  });

  it('gives up inside the Lambda before the state machine times the task out', () => {
    const tasks = [ASL_FILE, RESTORE_ASL_FILE].flatMap((file) => {
      const asl = JSON.parse(readFileSync(file, 'utf8')) as { States: Record<string, AslState> };
      return allStates(asl.States).filter((st) => st.Type === 'Task');
    });
    expect(tasks.length).toBeGreaterThanOrEqual(FUNCTION_NAMES.length);
    for (const task of tasks) {
      const placeholder = /\$\{(\w+)\}/.exec(String(task.Parameters?.FunctionName))?.[1];
      const name = FUNCTION_NAMES.find((n) => placeholderOf(n) === placeholder);
      if (!name) throw new Error(`task without a pipeline function: ${JSON.stringify(task.Parameters)}`);
      const fn = Object.entries(functions).find(
        ([id]) => id.startsWith(placeholderOf(name).replace(/Arn$/, '')) && !id.includes('Role'),
      )?.[1] as { Properties: { Timeout: number } };
      expect(fn.Properties.Timeout).toBeLessThan(task.TimeoutSeconds ?? Number.POSITIVE_INFINITY);
    }
  });

  it.each([...FUNCTION_NAMES, ...SCHEDULED_FUNCTION_NAMES].map((n) => [n]))(
    'sets the environment %s validates at cold start',
    (name) => {
      const prefix = placeholderOf(name).replace(/FunctionArn$/, 'Function');
      const fn = Object.entries(functions).find(([id]) => id.startsWith(prefix) && !id.includes('Role'));
      if (!fn) throw new Error(`no function for ${name}`);
      const variables = (fn[1] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties
        .Environment.Variables;
      // Tokens (table name, topic ARN) resolve at deploy; stand them in to run the real schema.
      const resolved = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `resolved-${k}`]),
      );
      expect(ENV_SCHEMAS[name].safeParse(resolved).success).toBe(true);
    },
  );
});

describe('IAM', () => {
  it('lets start-copies create KMS grants only for the AWS service copying (GrantIsForAWSResource), and Encrypt only through DynamoDB', () => {
    // Prepare
    const kms = statementsOf('start-copies').filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));

    // Act
    const grants = kms.filter((s) => [s.Action].flat().includes('kms:CreateGrant'));

    // Assess
    expect(grants).toHaveLength(1);
    expect([grants[0]?.Action].flat()).toEqual(['kms:CreateGrant']);
    expect(grants[0]?.Condition).toEqual({
      Bool: { 'kms:GrantIsForAWSResource': true },
      StringLike: { 'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'] },
    });
    // EC2 and RDS never call kms:Encrypt; DynamoDB does for a restored table under its key (start-restore).
    for (const name of FUNCTION_NAMES)
      for (const statement of statementsOf(name).filter((s) => [s.Action].flat().includes('kms:Encrypt')))
        expect([name, statement.Condition]).toEqual([
          'start-restore',
          { StringLike: { 'kms:ViaService': ['dynamodb.*.amazonaws.com'] } },
        ]);
  });

  it('lets plan-run only describe and write state: no create, delete or tag actions', () => {
    const writes = actionsOf('plan-run').filter((a) => /Create|Delete|Tag/.test(a) && !a.startsWith('logs:'));
    // Reading a table's, a cache group's or a bucket's tags is discovery, not tagging.
    expect(writes).toEqual(['dynamodb:ListTagsOfResource', 'elasticache:ListTagsForResource', 's3:GetBucketTagging']);
  });

  it('denies snapshot deletion and AMI deregistration unless the backup is tagged managed-by this stack', () => {
    // The stack name qualified by its home region, and the bare name older backups carry.
    const OWNERS = [{ 'Fn::Join': ['', ['BackupPipeline@', { Ref: 'AWS::Region' }]] }, 'BackupPipeline'];
    // Backups, not the state table (whose DeleteItem removes restore points of deleted backups).
    const deletes = statementsOf('apply-retention').filter(
      (s) =>
        [s.Action].flat().some((a) => /Delete|Deregister/.test(a)) &&
        ![s.Action].flat().includes('dynamodb:DeleteItem'),
    );
    expect(deletes.map((s) => s.Action).sort()).toEqual([
      // Untaggable: scoped by resource, and by name in the handler (see the next test).
      'dynamodb:DeleteBackup',
      'ec2:DeleteSnapshot',
      'ec2:DeregisterImage',
      'elasticache:DeleteSnapshot',
      'rds:DeleteDBClusterSnapshot',
      'rds:DeleteDBSnapshot',
      'redshift:DeleteClusterSnapshot',
    ]);
    const conditionOf = (action: string) => deletes.find((s) => s.Action === action)?.Condition;
    expect(conditionOf('ec2:DeleteSnapshot')).toEqual({
      StringEquals: { 'aws:ResourceTag/backup-pipeline:managed-by': OWNERS },
    });
    expect(conditionOf('ec2:DeregisterImage')).toEqual({
      StringEquals: { 'aws:ResourceTag/backup-pipeline:managed-by': OWNERS },
    });
    expect(conditionOf('rds:DeleteDBSnapshot')).toEqual({
      StringEquals: { 'rds:snapshot-tag/backup-pipeline:managed-by': OWNERS },
    });
    expect(conditionOf('rds:DeleteDBClusterSnapshot')).toEqual({
      StringEquals: { 'rds:cluster-snapshot-tag/backup-pipeline:managed-by': OWNERS },
    });
    expect(conditionOf('redshift:DeleteClusterSnapshot')).toEqual({
      StringEquals: { 'aws:ResourceTag/backup-pipeline:managed-by': OWNERS },
    });
    expect(conditionOf('elasticache:DeleteSnapshot')).toEqual({
      StringEquals: { 'aws:ResourceTag/backup-pipeline:managed-by': OWNERS },
    });
    const deleters = ['apply-retention', 'release-run-lock', 'start-restore', 'clean-up-restore'];
    for (const name of FUNCTION_NAMES.filter((n) => !deleters.includes(n))) {
      expect(actionsOf(name).filter((a) => /Delete|Deregister/.test(a))).toEqual([]);
    }
    // RestoreTableFromBackup writes the new table with the caller's item actions, DeleteItem among them.
    expect(actionsOf('start-restore').filter((a) => /Delete|Deregister|Terminate/.test(a))).toEqual([
      'dynamodb:DeleteItem',
    ]);
    // A drill's clean-up deletes only what it restored (tag conditions; a bucket by its restored name and
    // the handler's tag check: tests/infra/iam-matches-handler-calls.test.ts).
    expect(
      actionsOf('clean-up-restore')
        .filter((a) => /Delete|Terminate/.test(a))
        .sort(),
    ).toEqual([
      'dynamodb:DeleteTable',
      'ec2:DeleteVolume',
      'ec2:TerminateInstances',
      'elasticache:DeleteReplicationGroup',
      'rds:DeleteDBCluster',
      'rds:DeleteDBInstance',
      'redshift:DeleteCluster',
      's3:DeleteBucket',
      's3:DeleteObjectVersion',
    ]);
    // Releasing the run lock deletes one state-table item, and nothing else.
    expect(actionsOf('release-run-lock').filter((a) => /Delete|Deregister/.test(a))).toEqual(['dynamodb:DeleteItem']);
  });

  it('lets retention delete DynamoDB on-demand backups only (they cannot be tagged, so no tag condition is possible)', () => {
    const deleting = statementsOf('apply-retention').filter((s) => s.Action === 'dynamodb:DeleteBackup');
    expect(deleting).toHaveLength(1);
    expect(JSON.stringify(deleting[0]?.Resource)).toMatch(/:table\/\*\/backup\/\*"/);
    expect(actionsOf('apply-retention')).not.toContain('dynamodb:DeleteTable');
  });

  it('lets start-backup tag only the snapshots and AMIs it is creating', () => {
    const tagging = statementsOf('start-backup').find((s) => s.Action === 'ec2:CreateTags');
    expect(tagging?.Condition).toEqual({
      StringEquals: { 'ec2:CreateAction': ['CreateSnapshot', 'CreateSnapshots', 'CreateImage'] },
    });
    const resources = JSON.stringify(tagging?.Resource);
    expect([resources.includes('::snapshot/*'), resources.includes('::image/*')]).toEqual([true, true]);
  });

  it('lets start-backup create AMIs of instances only, not register images from anything else', () => {
    const imaging = statementsOf('start-backup').find((s) => s.Action === 'ec2:CreateImage');
    const resources = JSON.stringify(imaging?.Resource);
    for (const type of ['instance', 'image', 'snapshot']) expect(resources).toContain(`:${type}/*`);
    expect(resources).not.toContain('volume/');
    expect(actionsOf('start-backup')).not.toContain('ec2:RegisterImage');
  });

  it('gives each function only the AWS actions it calls', () => {
    const aws = (name: string) =>
      actionsOf(name)
        .filter((a) => !/^(logs|xray|dynamodb):/.test(a))
        .sort();
    expect(aws('check-backup')).toEqual([
      'ec2:DescribeImages',
      'ec2:DescribeSnapshots',
      'elasticache:DescribeSnapshots',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBSnapshots',
      'redshift:DescribeClusterSnapshots',
      's3:DescribeJob',
    ]);
    expect(aws('record-result')).toEqual([]);
    expect(aws('record-failure')).toEqual([]);
    expect(aws('summarize-run')).toEqual([]);
    expect(aws('notify')).toEqual(['events:PutEvents', 'kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish']);
    expect(aws('start-backup')).toEqual(
      [
        'ec2:CreateImage',
        'ec2:CreateSnapshot',
        'ec2:CreateSnapshots',
        'ec2:CreateTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeSnapshots',
        'ec2:DescribeVolumes',
        // Tagging in a statement of its own, on the project's snapshot identifiers only.
        'rds:AddTagsToResource',
        'rds:CreateDBSnapshot',
        'rds:DescribeDBInstances',
        'rds:DescribeDBSnapshots',
        'rds:CreateDBClusterSnapshot',
        'rds:DescribeDBClusterSnapshots',
        // The cluster's tags and CopyTagsToSnapshot before its snapshot, its state after a refusal.
        'rds:DescribeDBClusters',
        // ElastiCache: the group's nodes (which is a replica) before its snapshot, tagged in the create.
        'elasticache:AddTagsToResource',
        'elasticache:CreateSnapshot',
        'elasticache:DescribeReplicationGroups',
        'elasticache:DescribeSnapshots',
        // DynamoDB exports write into the backup bucket under the export prefix.
        's3:AbortMultipartUpload',
        's3:PutObject',
        's3:PutObjectAcl',
        // Tagging in a statement of its own, on the project's snapshot identifiers only (snapshot:*/bp-*).
        'redshift:CreateClusterSnapshot',
        'redshift:CreateTags',
        'redshift:DescribeClusterSnapshots',
        'redshift:DescribeClusters',
        // S3 buckets: versioning and replication read, the rule set, the backup bucket made, the job started
        // with the stack's replication role.
        's3:GetBucketVersioning',
        's3:GetReplicationConfiguration',
        's3:PutReplicationConfiguration',
        's3:CreateBucket',
        's3:PutBucketVersioning',
        's3:PutBucketTagging',
        's3:CreateJob',
        's3:PutJobTagging',
        'iam:PassRole',
      ].sort(),
    );
  });

  it("limits RDS snapshot tagging, copying and deleting to the project's own snapshot identifiers (bp-...)", () => {
    for (const name of ['start-backup', 'start-copies', 'apply-retention'] as const) {
      for (const statement of statementsOf(name)) {
        const actions = ([] as string[]).concat(statement.Action);
        if (!actions.some((a) => /^rds:(AddTagsToResource|Copy|Delete)/.test(a))) continue;
        const resources = JSON.stringify(statement.Resource);
        expect(resources).not.toMatch(/snapshot:\*/);
        expect(resources).not.toMatch(/:db:|:cluster:/);
        expect(resources).toMatch(/snapshot:bp-\*/);
      }
    }
  });

  it('gives each function only the state-table actions its StateStore calls make', () => {
    const dynamo = (name: string) =>
      statementsOf(name)
        .filter((s) => JSON.stringify(s.Resource).includes('StateTable'))
        .flatMap((s) => [s.Action].flat())
        .sort();
    // GetItem: the tier's run lock, read when taking it finds it held.
    expect(dynamo('plan-run')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(dynamo('release-run-lock')).toEqual(['dynamodb:DeleteItem']);
    expect(dynamo('start-backup')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    for (const name of ['check-backup', 'check-restore']) {
      expect(dynamo(name)).toEqual(['dynamodb:UpdateItem']);
    }
    // The restore point and its backup-id index items (Record failure: of a backup whose copy failed).
    for (const name of ['record-result', 'record-failure'])
      expect(dynamo(name)).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(dynamo('plan-restore')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(dynamo('start-restore')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(dynamo('clean-up-restore')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(dynamo('finish-restore')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(dynamo('validate-restore')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(dynamo('notify-restores')).toEqual(['dynamodb:GetItem']);
    expect(dynamo('list-retention-units')).toEqual(['dynamodb:Query']);
    // UpdateItem/DeleteItem: the restore points of the backups it deletes (shared/state/restore-points.ts).
    expect(dynamo('apply-retention')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamo('summarize-retention')).toEqual(['dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamo('summarize-run')).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamo('notify')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('never grants DynamoDB or SNS on "*", but the DynamoDB listings that have no resource type', () => {
    // ListImports: a restore's retried start and its clean-up find the import of a table by client token.
    const listings = new Set(['dynamodb:ListTables', 'dynamodb:ListBackups', 'dynamodb:ListImports']);
    for (const name of FUNCTION_NAMES) {
      for (const s of statementsOf(name)) {
        if (s.Resource !== '*') continue;
        const guarded = [s.Action].flat().filter((a) => /^(dynamodb|sns|kms):/.test(a));
        expect(guarded.filter((a) => !listings.has(a))).toEqual([]);
      }
    }
  });
});

const machine = () =>
  Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as {
    Properties: Record<string, unknown>;
  };

describe('state machine', () => {
  it('is a STANDARD machine with logging ALL (execution data included) and X-Ray tracing', () => {
    expect(machine().Properties.StateMachineType).toBe('STANDARD');
    expect(machine().Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(machine().Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('inlines statemachines/backup.asl.json and substitutes every placeholder, with no substitution unused', () => {
    const asl = readFileSync(ASL_FILE, 'utf8');
    const placeholders = new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    const substitutions = Object.keys(machine().Properties.DefinitionSubstitutions as object);
    expect(new Set(substitutions)).toEqual(placeholders);
    expect(machine().Properties.DefinitionString).toBe(asl);
    expect(machine().Properties.DefinitionS3Location).toBeUndefined();
  });

  it('may start and stop its own Distributed Map child executions and invoke each function', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const policy = Object.entries(policies).find(([id]) => id.startsWith('BackupStateMachineRole'));
    if (!policy) throw new Error('no state machine policy');
    const statements = (policy[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument.Statement;
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        'states:StartExecution',
        'states:DescribeExecution',
        'states:StopExecution',
        'lambda:InvokeFunction',
      ]),
    );
  });
});

describe('restore state machine', () => {
  const statements = statementsOfRole(
    template,
    stack.getLogicalId(stack.restoreStateMachine.role.node.defaultChild as CfnElement),
  ) as Statement[];

  it('is deployed as BackupPipeline-restore from statemachines/restore.asl.json, and its ARN is an output', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const restore = Object.values(machines).find(
      (m) =>
        (m as { Properties: { StateMachineName: string } }).Properties.StateMachineName === 'BackupPipeline-restore',
    );
    expect(restore).toBeDefined();
    template.hasOutput('RestoreStateMachineArn', {});
  });

  it('may invoke the seven restore functions only, and starts no executions', () => {
    const invoked = statements
      .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((st) => [st.Resource].flat())
      .map((r) => JSON.stringify(r))
      .filter((r) => !r.includes(':*'));
    expect(invoked.map((r) => /"(\w+?)Function[0-9A-F]{8}"/.exec(r)?.[1]).sort()).toEqual([
      'CheckRestore',
      'CleanUpRestore',
      'FinishRestore',
      'NotifyRestores',
      'PlanRestore',
      'StartRestore',
      'ValidateRestore',
    ]);
    expect(JSON.stringify(statements)).not.toContain('states:');
  });
});

describe('state machine permissions', () => {
  const statements = statementsOfRole(
    template,
    stack.getLogicalId(stack.stateMachine.role.node.defaultChild as CfnElement),
  ) as Statement[];
  const resourcesFor = (action: string) =>
    JSON.stringify(statements.filter((st) => [st.Action].flat().includes(action)).map((st) => st.Resource));

  it('builds its own ARNs from the fixed name BackupPipeline-backup, not from a reference to itself', () => {
    expect(machine().Properties.StateMachineName).toBe('BackupPipeline-backup');
    expect(resourcesFor('states:StartExecution')).toContain(':stateMachine:BackupPipeline-backup');
    expect(resourcesFor('states:DescribeExecution')).toContain(':execution:BackupPipeline-backup/*');
    expect(resourcesFor('states:StopExecution')).toContain(':execution:BackupPipeline-backup/*');
    expect(JSON.stringify(statements)).not.toContain('BackupStateMachineF');
  });

  // "IAM permissions to redrive a Map Run" (Step Functions developer guide, Redriving Map Runs): the role
  // needs states:RedriveExecution on the child executions, execution:<machine>/<map run label>:*. A grant
  // on mapRun:<machine>/* alone lets the parent be redriven but never a child, so its Map Run fails again.
  it('may redrive its Distributed Map child executions (a redriven run reruns its failed children)', () => {
    expect(resourcesFor('states:RedriveExecution')).toContain(':execution:BackupPipeline-backup/*');
    expect(resourcesFor('states:RedriveExecution')).not.toContain(':mapRun:');
  });

  it("reads each run's item list (ItemReader) and writes only under its results prefix (ResultWriter)", () => {
    const s3 = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
    const byResource = s3.map((st) => [JSON.stringify(st.Resource), [st.Action].flat().sort()]);
    expect(byResource).toEqual([
      [expect.stringContaining('/runs/*/items.json'), ['s3:GetObject']],
      [
        expect.stringContaining('/runs/*/results/*'),
        ['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'],
      ],
    ]);
  });

  it('may invoke each function its ASL names, and its versions, and no other', () => {
    const invoke = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    const targets = invoke.flatMap((st) => [st.Resource].flat()).map((r) => JSON.stringify(r));
    const named = functionsNamedIn(readFileSync(ASL_FILE, 'utf8'));
    expect(named).not.toContain('start-restore');
    expect(targets).toHaveLength(named.length * 2);
    for (const name of named) {
      const id = placeholderOf(name).replace(/Arn$/, '');
      expect(targets.filter((t) => t.includes(`"${id}`))).toHaveLength(2);
      expect(targets.some((t) => t.includes(`"${id}`) && t.includes(':*'))).toBe(true);
    }
  });

  it('logs to a vended log group kept for the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/BackupPipeline-backup',
      RetentionInDays: 90,
    });
  });
});

describe('environment', () => {
  it('is environment-agnostic: no account or region is baked into the template', () => {
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/"(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d"/);
    expect(text).not.toMatch(/:\d{12}:/);
    expect(stack.region).toMatch(/^\$\{Token/);
  });
});

describe('schedules', () => {
  it('starts one run per scheduled tier, in UTC, passing the tier, with no flexible window', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: {
        ScheduleExpression: string;
        ScheduleExpressionTimezone: string;
        FlexibleTimeWindow: unknown;
        Target: { Input: string };
      };
    }[];
    const byTier: Record<string, (typeof schedules)[number]['Properties']> = Object.fromEntries(
      schedules
        .filter((s) => s.Properties.Target.Input && JSON.parse(s.Properties.Target.Input).tier)
        .map((s) => [JSON.parse(s.Properties.Target.Input).tier, s.Properties]),
    );
    expect(Object.keys(byTier).sort()).toEqual(['daily', 'monthly', 'weekly', 'yearly']);
    expect(byTier.daily?.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(byTier.weekly?.ScheduleExpression).toBe('cron(0 1 ? * SUN *)');
    expect(byTier.monthly?.ScheduleExpression).toBe('cron(0 0 1 * ? *)');
    expect(byTier.yearly?.ScheduleExpression).toBe('cron(0 3 1 1 ? *)');
    for (const s of Object.values(byTier)) {
      expect(s?.ScheduleExpressionTimezone).toBe('Etc/UTC');
      expect(s?.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    }
  });

  it("evaluates a tier's schedule in the time zone it names, the others still in UTC", () => {
    // Prepare: the weekly tier at 01:00 Berlin time, the rest as shipped.
    const tiers = (cdkJson.context.backupPipeline as { tiers: Record<string, object> }).tiers;
    const { template: zoned } = synth({
      tiers: { ...tiers, weekly: { ...tiers.weekly, timeZone: 'Europe/Berlin' } },
    });

    // Act
    const zoneOf = Object.fromEntries(
      (
        Object.values(zoned.findResources('AWS::Scheduler::Schedule')) as {
          Properties: { ScheduleExpressionTimezone: string; Target: { Input?: string } };
        }[]
      )
        .filter((s) => s.Properties.Target.Input && JSON.parse(s.Properties.Target.Input).tier)
        .map((s) => [JSON.parse(s.Properties.Target.Input as string).tier, s.Properties.ScheduleExpressionTimezone]),
    );

    // Assess
    expect(zoneOf).toEqual({ daily: 'Etc/UTC', weekly: 'Europe/Berlin', monthly: 'Etc/UTC', yearly: 'Etc/UTC' });
  });

  it('starts runs with a role that EventBridge Scheduler of this account alone may assume, allowed only to start this state machine', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as {
      Properties: { Target: { Input?: string; RoleArn: { 'Fn::GetAtt': [string, string] }; RetryPolicy: unknown } };
    }[];
    const tierTargets = schedules.map((s) => s.Properties.Target).filter((t) => t.Input && JSON.parse(t.Input).tier);
    const roleIds = new Set(tierTargets.map((t) => t.RoleArn['Fn::GetAtt'][0]));
    expect(roleIds.size).toBe(1);
    const [roleId] = [...roleIds];
    const role = template.findResources('AWS::IAM::Role')[roleId as string] as {
      Properties: { AssumeRolePolicyDocument: { Statement: Statement[] } };
    };
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': expect.objectContaining({ 'Fn::Join': expect.anything() }),
          },
        },
      }),
    ]);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } };
    }[];
    const granted = policies
      .filter((p) => p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(granted).toEqual([
      {
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { Ref: expect.stringMatching(/^BackupStateMachine/) },
      },
    ]);
    for (const target of tierTargets) {
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    }
  });

  it('defines no schedule for a manual-only tier', () => {
    const { template: t } = synth({
      tiers: {
        daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7 },
        adhoc: { schedule: null, retentionDays: 30 },
      },
    });
    // daily, plus the weekly drill and the hourly freshness check
    t.resourceCountIs('AWS::Scheduler::Schedule', 3);
  });
});

describe('restore drills', () => {
  const drillSchedule = (t: Template) =>
    (
      Object.values(t.findResources('AWS::Scheduler::Schedule')) as {
        Properties: { ScheduleExpression: string; Target: { Arn: unknown; Input?: string; RoleArn: unknown } };
      }[]
    ).find((s) => s.Properties.Target.Input && JSON.parse(s.Properties.Target.Input).drill);

  it("starts the restore state machine weekly with the drill configuration's selection, allowed only that", () => {
    const schedule = drillSchedule(template);
    expect(schedule?.Properties.ScheduleExpression).toBe('cron(0 6 ? * SAT *)');
    expect(JSON.parse(schedule?.Properties.Target.Input ?? '{}')).toEqual({
      drill: true,
      select: { tier: 'daily', perType: 1, resources: [] },
      keepMinutes: 0,
      placements: shippedDrills.placement,
      reason: 'scheduled restore drill',
    });
    expect(JSON.stringify(schedule?.Properties.Target.Arn)).toMatch(/RestoreStateMachine/);
    if (!schedule) throw new Error('no drill schedule');
    const roleId = (schedule.Properties.Target.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(statementsOfRole(template, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: 'states:StartExecution',
        Resource: { Ref: expect.stringMatching(/^RestoreStateMachine/) },
      },
    ]);
  });

  it('alarms per resource type when no drill of it passed within periodDays, and when the check stops', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: {
        MetricName?: string;
        Threshold: number;
        TreatMissingData: string;
        Dimensions: { Name: string; Value: string }[];
      };
    }[];
    const drills = alarms.filter((a) => a.Properties.MetricName === 'HoursSinceSuccessfulDrill');
    expect(drills.map((a) => a.Properties.Dimensions.find((d) => d.Name === 'resourceType')?.Value).sort()).toEqual(
      [...RESOURCE_TYPES].sort(),
    );
    for (const alarm of drills) {
      expect(alarm.Properties.Threshold).toBe(8 * 24);
      expect(alarm.Properties.TreatMissingData).toBe('breaching');
    }
  });

  it('lets the validation invoke the configured function only, and nothing when none is configured', () => {
    const validator = 'arn:aws:lambda:eu-west-1:111122223333:function:check-restored';
    const { template: t } = synth({ drills: { ...shippedDrills, validationFunctionArn: validator } });
    const invoke = (tpl: Template) =>
      statementsOf('validate-restore', tpl)
        .filter((x) => [x.Action].flat().includes('lambda:InvokeFunction'))
        .map((x) => x.Resource);
    expect(invoke(t)).toEqual([validator]);
    expect(invoke(template)).toEqual([]);
  });

  it('alarms when a drill left resources behind and when a restore execution failed, drills scheduled or not', () => {
    for (const t of [template, synth({ drills: null }).template]) {
      const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as {
        Properties: { MetricName?: string; Dimensions?: { Name: string }[]; AlarmActions: unknown[] };
      }[];
      const cleanup = alarms.find((a) => a.Properties.MetricName === 'DrillCleanupsFailed');
      expect(cleanup?.Properties.Dimensions?.map((d) => d.Name)).toEqual(['service']);
      expect(cleanup?.Properties.AlarmActions).toHaveLength(1);
      const failed = alarms.filter((a) => a.Properties.MetricName === 'ExecutionsFailed');
      expect(JSON.stringify(failed)).toMatch(/RestoreStateMachine/);
    }
  });

  it('reads the drill schedule in its time zone, UTC by default', () => {
    const zoned = drillSchedule(
      synth({ drills: { ...shippedDrills, timeZone: 'Europe/Berlin' } }).template,
    ) as unknown as {
      Properties: { ScheduleExpressionTimezone: string };
    };
    expect(zoned.Properties.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    const plain = drillSchedule(template) as unknown as { Properties: { ScheduleExpressionTimezone: string } };
    expect(plain.Properties.ScheduleExpressionTimezone).toBe('Etc/UTC');
  });

  it('has no drill schedule and no per-type drill alarm with drills: null', () => {
    const { template: t } = synth({ drills: null });
    expect(drillSchedule(t)).toBeUndefined();
    expect(JSON.stringify(t.findResources('AWS::CloudWatch::Alarm'))).not.toContain('HoursSinceSuccessfulDrill');
  });

  it('checks freshness every hour with a role that may only invoke the check, reading runs, their resources and the deploy time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)' });
    const policies = template.findResources('AWS::IAM::Policy');
    const freshness = Object.entries(policies).find(([id]) => id.startsWith('CheckFreshnessFunctionRole'));
    if (!freshness) throw new Error('no freshness policy');
    const statements = (freshness[1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
      .PolicyDocument.Statement;
    const actions = statements.flatMap((st) => [st.Action].flat()).filter((a) => !/^(logs|xray):/.test(a));
    expect(actions).toEqual(['dynamodb:Query', 'dynamodb:DescribeTable']);
    // Query: the runs index, and the table (a run's resource items, a tier's latest points).
    const query = statements.find((st) => st.Action === 'dynamodb:Query');
    expect(JSON.stringify(query?.Resource)).toContain('/index/byStartedAt');
    expect([query?.Resource].flat()).toHaveLength(2);
  });
});

describe('operator alarms and dashboard', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: Record<string, unknown>;
  }[];
  const byMetric = (name: string) => alarms.filter((a) => a.Properties.MetricName === name);

  it('alarms per tier when a run finished with failed backups', () => {
    expect(
      byMetric('BackupsFailedInRun')
        .map(
          (a) => (a.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'tier')?.Value,
        )
        .sort(),
    ).toEqual(['daily', 'monthly', 'weekly', 'yearly']);
  });

  it('alarms per tier with an RPO when any protected resource is past it, treating missing data (the check stopped) as breaching', () => {
    // Prepare
    const rpo = byMetric('ResourcesPastRpo');
    const tierOf = (a: (typeof alarms)[number]) =>
      (a.Properties.Dimensions as { Name: string; Value: string }[]).find((d) => d.Name === 'tier')?.Value;

    // Assess
    expect(rpo.map(tierOf).sort()).toEqual(['daily', 'monthly', 'weekly', 'yearly']);
    for (const alarm of rpo) {
      expect(alarm.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 2,
        Period: 3600,
        Statistic: 'Maximum',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: expect.stringMatching(/^Notifications/) }],
      });
      expect(String(alarm.Properties.AlarmDescription)).toMatch(
        /^Protected \w+ resources whose last good backup is older than \d+ hours .*status --rpo/,
      );
    }
  });

  it('does not alarm on the last successful run, which one failed resource among thousands holds back', () => {
    expect(byMetric('HoursSinceLastSuccessfulRun')).toEqual([]);
  });

  it('alarms when no run of a tier started within its RPO (from the deploy before the first), missing data breaching', () => {
    const overdue = byMetric('HoursSinceLastRun');
    expect(overdue.map((a) => a.Properties.Threshold).sort((x, y) => Number(x) - Number(y))).toEqual([
      30, 180, 768, 8808,
    ]);
    for (const alarm of overdue) {
      expect(alarm.Properties).toMatchObject({
        TreatMissingData: 'breaching',
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: expect.stringMatching(/^Notifications/) }],
      });
      expect(String(alarm.Properties.AlarmDescription)).toMatch(
        /^No \w+ run has started for more than \d+ hours \(its RPO; before the first run, counted from the deploy\)/,
      );
    }
  });

  it('skips the RPO alarm for a tier without an RPO', () => {
    // Act
    const t = synth({
      tiers: {
        daily: { schedule: 'cron(0 2 * * ? *)', retentionDays: 7, rpoHours: 30 },
        adhoc: { schedule: null, retentionDays: 30 },
      },
    }).template;

    // Assess
    const tiers = Object.values(t.findResources('AWS::CloudWatch::Alarm'))
      .filter((a) => (a as { Properties: { MetricName?: string } }).Properties.MetricName === 'ResourcesPastRpo')
      .map((a) => (a as { Properties: { Dimensions: { Name: string; Value: string }[] } }).Properties.Dimensions)
      .map((d) => d.find((x) => x.Name === 'tier')?.Value);
    expect(tiers).toEqual(['daily']);
  });

  it('publishes a dashboard of runs, backups by type and tier, durations, polls, deletions and per-resource RPO', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown };
    }[];
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const title of [
      'Executions',
      'Hours since last run',
      'last successful run',
      'Resources past their RPO',
      'Oldest last good backup',
      'Backups failed by type and tier',
      'Polls per backup',
      'Snapshots deleted by retention',
      'starts skipped while the tier still ran',
    ]) {
      expect(body).toContain(title);
    }
    // A skipped start succeeds as an execution: the dashboard shows RunsSkipped per tier.
    expect(body).toContain('RunsSkipped');
  });
});

describe('notifications and alarms', () => {
  it('encrypts the topic with a rotating customer key and refuses non-TLS publishing', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the configured e-mail address only when one is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synth({ notificationEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('alarms to the topic when an execution fails or times out, quiet when no run happened', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^BackupStateMachine') } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('Notifications') }],
        AlarmDescription: Match.anyValue(),
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('lets CloudWatch alarms of this account use the topic key, so alarm notifications are delivered', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('outputs what the CLI needs', () => {
    template.hasOutput('StateMachineArn', {});
    template.hasOutput('TableName', {});
    template.hasOutput('TopicArn', {});
  });
});

describe('cdk.json validation', () => {
  it.each([
    [{ tiers: { daily: { schedule: 'every day', retentionDays: 7 } } }, 'backupPipeline.tiers.daily.schedule'],
    [{ tiers: { daily: { schedule: null, retentionDays: -1 } } }, 'backupPipeline.tiers.daily.retentionDays'],
    // Rules that keep nothing: weekly runs, backups kept 3 days, keepLast 0.
    [
      { tiers: { daily: { schedule: 'cron(0 1 ? * SUN *)', retentionDays: 3 } } },
      'backupPipeline.tiers.daily.retentionDays',
    ],
    [{ defaultTier: 'hourly' }, 'backupPipeline.defaultTier'],
    [{ logRetentionDays: 10 }, 'backupPipeline.logRetentionDays'],
    [{ mapMaxConcurrency: 0 }, 'backupPipeline.mapMaxConcurrency'],
    [{ colour: 'blue' }, 'backupPipeline.colour'],
  ])('fails synth for %p naming %s', (overrides, field) => {
    expect(() => synth(overrides)).toThrow(field);
  });

  it('fails synth for drills whose drilled region has no isolated placement, naming the region and what it lacks', () => {
    // Prepare: drills in two regions; one has a DB subnet group but no subnet or security groups.
    const drills = (extra: Record<string, unknown>) => ({
      regions: ['eu-west-1', 'us-east-1'],
      drills: { placement: { 'eu-west-1': { dbSubnetGroupName: 'drill-db' } }, ...extra },
    });

    // Act / Assess: refused, one line per region; an explicit opt-in lets it synthesize.
    expect(() => synth(drills({}))).toThrow(
      'backupPipeline.drills.placement.eu-west-1: drills would restore on production networking: missing subnetId, securityGroupIds, clusterSubnetGroupName, cacheSubnetGroupName (or set drills.allowSourceNetworking: true)',
    );
    expect(() => synth(drills({}))).toThrow(
      'backupPipeline.drills.placement.us-east-1: drills would restore on production networking: missing subnetId, securityGroupIds, dbSubnetGroupName, clusterSubnetGroupName, cacheSubnetGroupName',
    );
    expect(() => synth(drills({ allowSourceNetworking: true }))).not.toThrow();
    expect(() => synth({ drills: null })).not.toThrow();
  });

  it("ships cdk.json's drills with isolated placement", () => {
    expect(() => synth()).not.toThrow();
    expect(Object.values(shippedDrills.placement)).toEqual([
      expect.objectContaining({
        subnetId: expect.stringMatching(/^subnet-/),
        securityGroupIds: [expect.stringMatching(/^sg-/)],
        dbSubnetGroupName: expect.any(String),
        clusterSubnetGroupName: expect.any(String),
      }),
    ]);
  });
});

describe('cdk-nag', () => {
  it('runs AwsSolutions checks in every synth and this stack has no open findings', () => {
    // Template.fromStack synthesizes with the validation plugins: an open finding throws.
    expect(() => synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });

  it('fails synth on a new unacknowledged finding (so the check above is not vacuous)', () => {
    const context = { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] };
    const { stack: extra } = buildApp(new App({ context }));
    new Topic(extra, 'UnencryptedTopic');
    expect(() => Template.fromStack(extra)).toThrow(/AwsSolutions/);
  });
});

describe('Backup bucket (DynamoDB exports)', () => {
  const buckets = template.findResources('AWS::S3::Bucket', {
    Properties: { VersioningConfiguration: { Status: 'Enabled' } },
  });
  const [bucketId, bucket] = Object.entries(buckets)[0] as [string, { Properties: Record<string, unknown> }];

  it('is versioned, encrypted, private and logged, and kept when the stack is deleted', () => {
    expect(Object.keys(buckets)).toHaveLength(1);
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
    });
    template.hasResource('AWS::S3::Bucket', { Properties: bucket.Properties, DeletionPolicy: 'Retain' });
  });

  it('refuses every request that is not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('moves each tier through Standard-IA and Glacier Instant Retrieval (readable: ImportTable works) and expires it with the tier, dropping transitions past the expiry', () => {
    const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    const rule = (id: string) => rules.find((r) => r.Id === id);
    const tiers = (cdkJson.context.backupPipeline as { tiers: Record<string, { retentionDays: number }> }).tiers;
    for (const [tier, { retentionDays }] of Object.entries(tiers)) {
      expect(rule(`exports-${tier}`)).toMatchObject({
        Prefix: `dynamodb-exports/${tier}/`,
        ExpirationInDays: retentionDays,
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        Status: 'Enabled',
      });
    }
    // Daily (7 days) never leaves Standard; monthly and yearly reach Glacier Instant Retrieval and stay
    // readable: never GLACIER or DEEP_ARCHIVE, which ImportTable cannot read until restored.
    expect(rule('exports-daily')?.Transitions).toBeUndefined();
    for (const tier of ['monthly', 'yearly'])
      expect(rule(`exports-${tier}`)?.Transitions).toEqual([
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
      ]);
    // Each run's item list and Map results are working files, gone after a week.
    expect(rule('run-objects')).toMatchObject({ Prefix: 'runs/', ExpirationInDays: 7, Status: 'Enabled' });
    expect(rule('housekeeping')).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      ExpiredObjectDeleteMarker: true,
    });
  });

  it('is named to the functions that write exports or the run item list, and as a stack output', () => {
    const starts = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { BACKUP_BUCKET: { Ref: bucketId } } } },
    });
    // Start/check backup and start/check copies share one environment schema; Plan writes the item list.
    expect(Object.keys(starts)).toHaveLength(5);
    template.hasOutput('BackupBucketName', { Value: { Ref: bucketId } });
  });
});
