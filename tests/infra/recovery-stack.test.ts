/**
 * What deploys for recovery from the loss of the home region (config `recovery`, issue #19): the state
 * table replicated into each recovery region, and there a restore-only stack (the restore machine, its
 * Lambdas, a topic, the DR export bucket) whose functions hold exactly the grants their home twins hold,
 * on the replica in their own region. Without `recovery` the app is the one stack it always was.
 */
import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { buildApp } from '../../infra/bin/app';
import { applyPermissions, asNagPrints } from '../../infra/constructs/permissions';
import { RESTORE_FUNCTION_NAMES, type RecoveryStack } from '../../infra/stacks/recovery-stack';
import { type FunctionName, placeholderOf } from '../../shared/lambda/function-env';
import { recoveryStackName, restoreStateMachineName } from '../../shared/names';
import { acknowledgedResources, type Statement, statementsOfRole } from './policy-helpers';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };
const RECOVERY = { homeRegion: 'eu-west-1', regions: ['us-west-2'] };

function build(recovery: object | null) {
  const context = {
    ...cdkJson.context,
    backupPipeline: { ...(cdkJson.context.backupPipeline as object), recovery },
    'aws:cdk:bundling-stacks': [],
  };
  return buildApp(new App({ context }));
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const resourcesOf = (template: Template, type: string) => Object.values(template.findResources(type)) as Resource[];

// Prepare: one app with recovery to us-west-2, one without.
const plain = build(null);
const recovered = build(RECOVERY);
const home = Template.fromStack(recovered.stack);
const [drStack] = recovered.recoveryStacks as [RecoveryStack];
const dr = Template.fromStack(drStack);

describe('without recovery', () => {
  it('is one region-agnostic stack whose table has no replica and no stream', () => {
    // Act
    const stacks = plain.app.node.children.filter((c) => (c as Stack).templateFile !== undefined);
    const [table] = resourcesOf(Template.fromStack(plain.stack), 'AWS::DynamoDB::GlobalTable');

    // Assess
    expect(stacks).toEqual([plain.stack]);
    expect(plain.recoveryStacks).toEqual([]);
    expect(plain.stack.resolve(plain.stack.region)).toEqual({ Ref: 'AWS::Region' });
    expect(table?.Properties.Replicas).toHaveLength(1);
    expect(table?.Properties.StreamSpecification).toBeUndefined();
  });
});

describe('state table with recovery', () => {
  const tables = home.findResources('AWS::DynamoDB::GlobalTable');
  const table = tables.StateTable9728C7E5 as Resource | undefined;
  type Replica = { Region: string; PointInTimeRecoverySpecification?: unknown; SSESpecification?: unknown };

  it('keeps its logical ID and its generated name (a change would replace it and lose every record)', () => {
    expect(Object.keys(tables)).toEqual(['StateTable9728C7E5']);
    expect(table?.Properties.TableName).toBeUndefined();
  });

  it('has a point-in-time recoverable replica in the home region and in each recovery region', () => {
    // Act
    const replicas = table?.Properties.Replicas as Replica[];

    // Assess
    expect(replicas.map((r) => r.Region).sort()).toEqual(['eu-west-1', 'us-west-2']);
    for (const replica of replicas)
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    // More than one replica: CloudFormation requires the new-and-old-images stream.
    expect(table?.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('keeps every replica under the AWS managed key, as the primary', () => {
    const replicas = table?.Properties.Replicas as Replica[];
    expect(table?.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    expect(replicas.map((r) => r.SSESpecification)).toEqual([undefined, undefined]);
  });
});

describe('stacks with recovery', () => {
  it('deploys the home stack to the home region and a recovery stack to each recovery region', () => {
    // Act
    const two = build({ homeRegion: 'eu-west-1', regions: ['us-west-2', 'us-east-2'] });

    // Assess
    expect(two.stack.region).toBe('eu-west-1');
    expect(two.stack.stackName).toBe('BackupPipeline');
    expect(two.recoveryStacks.map((s) => [s.stackName, s.region])).toEqual([
      [recoveryStackName('BackupPipeline'), 'us-west-2'],
      [recoveryStackName('BackupPipeline'), 'us-east-2'],
    ]);
    // The account stays the deploying profile's.
    expect(two.recoveryStacks[0]?.resolve(two.recoveryStacks[0].account)).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('fails the synth on an unacknowledged finding in a recovery stack (so the check below is not vacuous)', () => {
    const { app, recoveryStacks } = build(RECOVERY);
    new Topic(recoveryStacks[0] as RecoveryStack, 'UnencryptedTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS/);
  });

  it('passes cdk-nag (AwsSolutions) for the whole app: the synth fails on an open finding', () => {
    // Act
    const assembly = recovered.app.synth();

    // Assess
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['BackupPipeline', 'BackupPipeline-recovery']);
    for (const stack of [recovered.stack, drStack])
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });
});

describe('recovery stack', () => {
  const functions = resourcesOf(dr, 'AWS::Lambda::Function').filter(
    (f) => typeof f.Properties.Description === 'string' && f.Properties.Description.startsWith('backup-pipeline: '),
  );
  const functionNames = functions.map((f) => (f.Properties.Description as string).replace('backup-pipeline: ', ''));
  const envOf = (name: FunctionName): Record<string, unknown> => {
    const fn = functions[functionNames.indexOf(name)];
    return (fn?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
  };

  it('has the restore functions, exactly the ones the restore ASL invokes', () => {
    expect([...functionNames].sort()).toEqual(
      [
        'check-restore',
        'clean-up-restore',
        'finish-restore',
        'notify-restores',
        'plan-restore',
        'start-restore',
        'validate-restore',
      ].sort(),
    );
    expect([...RESTORE_FUNCTION_NAMES].sort()).toEqual([...functionNames].sort());
  });

  it('runs the restore ASL under the name the restore machine has at home, invoking only its own functions', () => {
    // Act
    const [machine] = resourcesOf(dr, 'AWS::StepFunctions::StateMachine');
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const homeMachines = resourcesOf(home, 'AWS::StepFunctions::StateMachine').map((m) => m.Properties);

    // Assess
    expect(resourcesOf(dr, 'AWS::StepFunctions::StateMachine')).toHaveLength(1);
    expect(machine?.Properties.StateMachineName).toBe(restoreStateMachineName('BackupPipeline'));
    expect(homeMachines.map((m) => m.StateMachineName)).toContain(machine?.Properties.StateMachineName);
    expect(substitutions).toEqual(
      Object.fromEntries(
        RESTORE_FUNCTION_NAMES.map((name) => [
          placeholderOf(name),
          {
            'Fn::GetAtt': [
              drStack.getLogicalId(drStack.functions[name]?.function.node.defaultChild as CfnElement),
              'Arn',
            ],
          },
        ]),
      ),
    );
  });

  it('gives its functions the replica by the home table name, read from the home stack at deploy', () => {
    // Act
    const tableName = envOf('plan-restore').TABLE_NAME as { 'Fn::GetAtt': [string, string] };
    const [, exported] = tableName['Fn::GetAtt'];
    const writers = resourcesOf(home, 'Custom::CrossRegionExportWriter');

    // Assess: the home stack writes its table's Ref under the name this stack reads.
    expect(resourcesOf(dr, 'Custom::CrossRegionExportReader')).toHaveLength(1);
    expect(writers.map((w) => w.Properties.WriterProps)).toEqual([
      { region: 'us-west-2', exports: { [exported]: { Ref: 'StateTable9728C7E5' } } },
    ]);
    for (const name of RESTORE_FUNCTION_NAMES) {
      expect(envOf(name).TABLE_NAME).toEqual(tableName);
      expect(envOf(name).STACK_NAME).toBe('BackupPipeline');
    }
    expect(envOf('notify-restores').TOPIC_ARN).toEqual({
      Ref: drStack.getLogicalId(drStack.topic.node.defaultChild as CfnElement),
    });
  });

  it('outputs what the CLI reads: RestoreStateMachineArn, TableName, TopicArn, BackupBucketName', () => {
    const outputs = dr.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      'BackupBucketName',
      'RestoreStateMachineArn',
      'TableName',
      'TopicArn',
    ]);
    expect(outputs.TableName?.Value).toEqual(envOf('plan-restore').TABLE_NAME);
  });

  it("names its bucket for home to find, versioned, encrypted, private, with the home bucket's lifecycle", () => {
    // Act
    const versioned = (t: Template) =>
      resourcesOf(t, 'AWS::S3::Bucket').filter((b) => b.Properties.VersioningConfiguration !== undefined);
    const [bucket] = versioned(dr);
    const [homeBucket] = versioned(home);

    // Assess
    expect(dr.toJSON().Resources.BackupBucket26B8E51C.Properties.BucketName).toEqual({
      'Fn::Join': ['', ['backuppipeline-dr-', { Ref: 'AWS::AccountId' }, '-us-west-2']],
    });
    expect(bucket?.Properties).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: homeBucket?.Properties.BucketEncryption,
      PublicAccessBlockConfiguration: homeBucket?.Properties.PublicAccessBlockConfiguration,
      LifecycleConfiguration: homeBucket?.Properties.LifecycleConfiguration,
    });
  });

  it('alarms on its topic when a restore fails or a drill leaves resources behind', () => {
    const alarms = resourcesOf(dr, 'AWS::CloudWatch::Alarm');
    const topicRef = { Ref: drStack.getLogicalId(drStack.topic.node.defaultChild as CfnElement) };
    expect(alarms.map((a) => (a.Properties.Metrics ? 'math' : a.Properties.MetricName)).sort()).toEqual([
      'DrillCleanupsFailed',
      'ExecutionsFailed',
    ]);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
  });
});

describe('recovery stack permissions', () => {
  /** A statement with the table's ARN as `<table>`: the home primary's GetAtt, the replica's built ARN. */
  const normalized = (statements: Statement[], table: unknown): string[] =>
    statements.map((s) => JSON.stringify(s).replaceAll(JSON.stringify(table), '"<table>"')).sort();
  const homeTable = { 'Fn::GetAtt': ['StateTable9728C7E5', 'Arn'] };
  const replica = drStack.resolve(drStack.tableArn);
  const roleId = (stack: Stack, role: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(role.node.defaultChild as CfnElement);

  it('grants on the replica in its own region, by the home table name', () => {
    expect(JSON.stringify(replica)).toContain(':dynamodb:us-west-2:');
    expect(JSON.stringify(replica)).toContain('ExportsReader');
  });

  it.each(RESTORE_FUNCTION_NAMES)('grants %s exactly what it holds at home, the table being the replica', (name) => {
    // Act
    const atHome = statementsOfRole(home, roleId(recovered.stack, recovered.stack.functions[name].role));
    const here = statementsOfRole(dr, roleId(drStack, drStack.functions[name]?.role as never));

    // Assess: same logical IDs for the function's log group, topic, key and bucket in both stacks.
    expect(normalized(atHome, homeTable).join()).toContain('"<table>"');
    expect(normalized(here, replica)).toEqual(normalized(atHome, homeTable));
  });

  it('grants the restore machine exactly what it holds at home', () => {
    const atHome = statementsOfRole(home, roleId(recovered.stack, recovered.stack.restoreStateMachine.role));
    const here = statementsOfRole(dr, roleId(drStack, drStack.restoreStateMachine.role));
    expect(normalized(here, replica)).toEqual(normalized(atHome, homeTable));
  });

  it('acknowledges on each recovery role only wildcard resources its policies hold', () => {
    // Prepare
    const roles = drStack.node.findAll().filter((c): c is Role => c instanceof Role);
    const acknowledged = acknowledgedResources;

    // Act
    const stale = roles.flatMap((role) => {
      const held = new Set(
        statementsOfRole(dr, roleId(drStack, role)).flatMap((s) => [s.Resource].flat().map((r) => asNagPrints(r))),
      );
      return acknowledged(role)
        .filter((resource) => !held.has(resource))
        .map((r) => `${role.node.path} ${r}`);
    });

    // Assess: the seven functions and the machine.
    expect(roles).toHaveLength(RESTORE_FUNCTION_NAMES.length + 1);
    expect(stale).toEqual([]);
  });

  it('refuses a grant to a role the stack does not have (a backup function in a recovery stack)', () => {
    const { recoveryStacks } = build(RECOVERY);
    const stack = recoveryStacks[0] as RecoveryStack;
    expect(() =>
      applyPermissions(
        stack,
        { functions: stack.functions, stackName: 'BackupPipeline', backupBucket: stack.backupBucket },
        [{ 'plan-run': { grants: [{ actions: ['ec2:DescribeInstances'], resources: ['*'] }] } }],
      ),
    ).toThrow('plan-run: granted permissions, but this stack has no such role');
  });
});

describe("a recovery stack's drill validation", () => {
  const HOME_VALIDATOR = 'arn:aws:lambda:eu-west-1:111122223333:function:drill-validator';
  const DR_VALIDATOR = 'arn:aws:lambda:us-west-2:111122223333:function:drill-validator';
  const withValidators = (validationFunctionArns: Record<string, string>) => {
    const context = {
      ...cdkJson.context,
      backupPipeline: {
        ...(cdkJson.context.backupPipeline as { drills: object }),
        drills: {
          ...(cdkJson.context.backupPipeline as { drills: object }).drills,
          validationFunctionArn: HOME_VALIDATOR,
        },
        recovery: { ...RECOVERY, validationFunctionArns },
      },
      'aws:cdk:bundling-stacks': [],
    };
    const [stack] = buildApp(new App({ context })).recoveryStacks as [RecoveryStack];
    const template = Template.fromStack(stack);
    const fn = stack.functions['validate-restore'];
    const role = fn?.role as unknown as { node: { defaultChild?: unknown } };
    const invokes = statementsOfRole(template, stack.getLogicalId(role.node.defaultChild as CfnElement))
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat());
    const [lambda] = Object.values(template.findResources('AWS::Lambda::Function')).filter((r) =>
      JSON.stringify(r).includes('"VALIDATION_FUNCTION_ARN"'),
    ) as Resource[];
    const env = (lambda?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    return { invokes, env };
  };

  it("invokes its own region's validation function, never the home region's, which is lost with it", () => {
    // Act
    const { invokes, env } = withValidators({ 'us-west-2': DR_VALIDATOR });

    // Assess
    expect(invokes).toEqual([DR_VALIDATOR]);
    expect(env?.VALIDATION_FUNCTION_ARN).toBe(DR_VALIDATOR);
  });

  it('invokes none where its region has none (drills there validate by shape only)', () => {
    // Act
    const { invokes, env } = withValidators({});

    // Assess
    expect(invokes).toEqual([]);
    expect(env).toBeUndefined();
  });
});
