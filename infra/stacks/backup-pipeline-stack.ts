/**
 * The backup-pipeline stack: the state machine (statemachines/backup.asl.json, inlined with every ARN
 * substituted), one Lambda per task through PipelineFunction, the DynamoDB state table, the SNS topic
 * and alarm, and one EventBridge Scheduler schedule per tier. IAM is least privilege per function:
 * Describe actions (which have no resource-level permissions) on "*", creates scoped by resource type,
 * and deletes only on backups tagged `backup-pipeline:managed-by` = this stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArnFormat,
  Aws,
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  TimeZone,
  Validations,
} from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ExportStorageConfig, PipelineConfig, TierConfig } from '../../shared/config';
import {
  FUNCTION_LIMITS,
  FUNCTION_NAMES,
  type FunctionName,
  functionEnvironments,
  placeholderOf,
} from '../../shared/lambda/function-env';
import { EXPORT_PREFIX, METRICS_NAMESPACE, RDS_SNAPSHOT_PREFIX, SERVICE_NAME } from '../../shared/names';
import { ownerTagValue, TAG } from '../../shared/tags';
import { PipelineFunction } from '../constructs/pipeline-function';

export const ASL_FILE = join(__dirname, '..', '..', 'statemachines', 'backup.asl.json');

export interface BackupPipelineStackProps extends StackProps {
  config: PipelineConfig;
}

/**
 * State-table actions per function: exactly the StateStore methods each handler reaches
 * (createRun/addResource = PutItem, getRun/getResource = GetItem, listResources = Query on the table,
 * every other write = UpdateItem; listRuns queries the byStartedAt index and is granted on it).
 * tests/infra/iam-matches-handler-calls.test.ts runs the real handlers and fails if these drift.
 */
const DYNAMO_ACTIONS: Record<FunctionName, string[]> = {
  'plan-run': ['dynamodb:PutItem'],
  'start-backup': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'check-backup': ['dynamodb:UpdateItem'],
  // GetItem: a retry reads the copies and keyless copy calls an earlier attempt recorded.
  'start-copies': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  'check-copies': ['dynamodb:UpdateItem'],
  'record-result': ['dynamodb:UpdateItem'],
  'record-failure': ['dynamodb:UpdateItem'],
  'summarize-run': ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
  notify: ['dynamodb:Query', 'dynamodb:GetItem'],
  // Query: the run's resources name the regions retention lists.
  'apply-retention': ['dynamodb:Query', 'dynamodb:UpdateItem'],
};

/** Describe/List actions per function: AWS offers no resource-level permissions for them. */
const DESCRIBE_ACTIONS: Partial<Record<FunctionName, string[]>> = {
  'plan-run': ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
  'start-backup': [
    'ec2:DescribeVolumes',
    'ec2:DescribeSnapshots',
    // AMI mode: the instance's tags to copy onto the image, and a retried start's image by its name.
    'ec2:DescribeInstances',
    'ec2:DescribeImages',
    // Before a snapshot: the instance's or cluster's tags and CopyTagsToSnapshot (copied explicitly,
    // since RDS copies none once Tags are passed); after a refusal: does its state pass (retry) or not?
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusterSnapshots',
  ],
  'check-backup': [
    'ec2:DescribeSnapshots',
    'ec2:DescribeImages',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusterSnapshots',
  ],
  'apply-retention': [
    'ec2:DescribeSnapshots',
    'ec2:DescribeImages',
    'rds:DescribeDBSnapshots',
    'rds:DescribeDBClusterSnapshots',
  ],
};

export class BackupPipelineStack extends Stack {
  readonly stateMachine: StateMachine;
  readonly table: TableV2;
  readonly topic: Topic;
  readonly backupBucket: Bucket;
  readonly functions: Record<FunctionName, PipelineFunction>;
  readonly freshness: PipelineFunction;

  constructor(scope: Construct, id: string, props: BackupPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.table = new TableV2(this, 'StateTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS managed key: encrypted at rest with key use visible in CloudTrail, no key to administer.
      encryption: TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'ttl',
      globalSecondaryIndexes: [
        {
          indexName: 'byStartedAt',
          partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
          sortKey: { name: 'startedAt', type: AttributeType.STRING },
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const topicKey = new Key(this, 'NotificationsKey', {
      description: 'backup-pipeline notifications topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted topic.
    topicKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'Notifications', {
      displayName: 'backup-pipeline',
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (config.notificationEmail) this.topic.addSubscription(new EmailSubscription(config.notificationEmail));

    this.backupBucket = this.createBackupBucket(config.tiers, config.exportStorage);

    const environments = functionEnvironments(config, {
      tableName: this.table.tableName,
      topicArn: this.topic.topicArn,
      bucketName: this.backupBucket.bucketName,
    });
    const functions = {} as Record<FunctionName, PipelineFunction>;
    for (const name of FUNCTION_NAMES) {
      functions[name] = new PipelineFunction(this, placeholderOf(name).replace(/Arn$/, ''), {
        name,
        environment: environments[name],
        logRetention,
        timeout: Duration.seconds(FUNCTION_LIMITS[name].timeoutSeconds),
        memorySize: FUNCTION_LIMITS[name].memorySize,
      });
    }
    this.functions = functions;
    this.grantFunctions(functions, config.stackName);
    this.grantDynamoDbBackups(functions);
    this.grantCopies(functions);

    const stateMachineName = `${config.stackName}-backup`;
    const definition = readFileSync(ASL_FILE, 'utf8');
    const substitutions = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [placeholderOf(name), functions[name].function.functionArn]),
    );
    const machineLogs = new LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'BackupStateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      logs: { destination: machineLogs, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      comment: 'backup-pipeline: plan, back up each resource, summarize, notify, apply retention',
    });
    for (const fn of Object.values(functions)) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [fn.function.functionArn, `${fn.function.functionArn}:*`],
        }),
      );
    }
    // The Distributed Map runs each resource as a child execution of this state machine.
    const ownArn = this.formatArn({
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executionsArn = this.formatArn({
      region: Aws.REGION,
      account: Aws.ACCOUNT_ID,
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [ownArn] }));
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executionsArn],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:RedriveExecution'],
        resources: [
          this.formatArn({
            region: Aws.REGION,
            account: Aws.ACCOUNT_ID,
            service: 'states',
            resource: 'mapRun',
            resourceName: `${stateMachineName}/*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    // One role for the tier schedules: EventBridge Scheduler of this account may assume it, and it may
    // only start this state machine (the target grants states:StartExecution on it, nothing else).
    const scheduleRole = new Role(this, 'BackupScheduleRole', {
      assumedBy: this.schedulerPrincipal(),
      description: 'EventBridge Scheduler: start backup runs of this state machine only',
    });
    for (const [tier, settings] of Object.entries(config.tiers)) {
      if (!settings.schedule) continue;
      new Schedule(this, `Schedule-${tier}`, {
        description: `backup-pipeline ${tier} run (keeps ${settings.retentionDays} days)`,
        schedule: ScheduleExpression.expression(settings.schedule, TimeZone.ETC_UTC),
        // Backups run at the stated time; a flexible window would blur the RPO the alarms assume.
        timeWindow: TimeWindow.off(),
        target: new StepFunctionsStartExecution(this.stateMachine, {
          role: scheduleRole,
          input: ScheduleTargetInput.fromObject({ tier }),
          // StartExecution is retried only when it failed (nothing started); a run older than an hour
          // is dropped rather than started late on top of the next one.
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    }

    const alarmAction = new SnsAction(this.topic);
    const alarms = [
      new Alarm(this, 'ExecutionsFailedAlarm', {
        alarmDescription:
          'A backup run failed: some backups did not complete. The run notification and the execution in the Step Functions console name each failed resource and why.',
        metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ExecutionsTimedOutAlarm', {
        alarmDescription:
          'A backup run timed out before finishing. Inspect the execution in the Step Functions console; backups it started keep their expiry tags.',
        metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) alarm.addAlarmAction(alarmAction);

    this.freshness = new PipelineFunction(this, 'CheckFreshnessFunction', {
      name: 'check-freshness',
      environment: environments['check-freshness'],
      logRetention,
    });
    this.freshness.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${this.table.tableArn}/index/byStartedAt`] }),
    );
    // The table's creation time is the deploy a tier that never ran is measured from.
    this.freshness.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:DescribeTable'], resources: [this.table.tableArn] }),
    );
    const freshnessScheduleRole = new Role(this, 'FreshnessScheduleRole', {
      assumedBy: this.schedulerPrincipal(),
      description: 'EventBridge Scheduler: invoke the freshness check only',
    });
    new Schedule(this, 'Schedule-freshness', {
      description: 'backup-pipeline: hourly check of the time since each tier last succeeded',
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(this.freshness.function, { retryAttempts: 2, role: freshnessScheduleRole }),
    });
    Validations.of(freshnessScheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.freshness.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason: 'The scheduler target may invoke the freshness function by version or alias (<function ARN>:*).',
    });
    const pipelineMetric = (metricName: string, tier: string, statistic: string, period = Duration.minutes(5)) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME, tier },
        statistic,
        period,
      });
    for (const [tier, settings] of Object.entries(config.tiers)) {
      new Alarm(this, `BackupsFailedAlarm-${tier}`, {
        alarmDescription: `A ${tier} run finished with failed backups. Read the run notification or "backup-pipeline status <run>" for each resource and reason; docs/operations.md has the fixes.`,
        metric: pipelineMetric('BackupsFailedInRun', tier, 'Sum'),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
      if (settings.rpoHours === undefined) continue;
      new Alarm(this, `RpoAlarm-${tier}`, {
        alarmDescription: `No successful ${tier} run for more than ${settings.rpoHours} hours (its RPO; before the first success, counted from the deploy), or the hourly freshness check stopped reporting. Check the ${tier} schedule, the latest executions in the Step Functions console, and "backup-pipeline runs".`,
        metric: pipelineMetric('HoursSinceLastSuccessfulRun', tier, 'Maximum', Duration.hours(1)),
        threshold: settings.rpoHours,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No data means the check itself stopped: that must page too.
        treatMissingData: TreatMissingData.BREACHING,
      }).addAlarmAction(alarmAction);
    }

    const tiers = Object.keys(config.tiers);
    const search = (metricName: string, statistic: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},service,resourceType,tier} MetricName="${metricName}"', '${statistic}', 3600)`,
        label: metricName,
        period: Duration.hours(1),
      });
    new Dashboard(this, 'Dashboard', {
      dashboardName: `${config.stackName}-backups`,
      widgets: [
        [
          new TextWidget({
            markdown: `# ${config.stackName} backups\nRuns, backups by type and tier, freshness against each tier's RPO. Runbook: docs/operations.md.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'Executions',
            left: [
              this.stateMachine.metricSucceeded(),
              this.stateMachine.metricFailed(),
              this.stateMachine.metricTimedOut(),
            ],
            width: 12,
          }),
          new SingleValueWidget({
            title: 'Hours since last successful run (RPO view)',
            metrics: tiers.map((t) => pipelineMetric('HoursSinceLastSuccessfulRun', t, 'Maximum', Duration.hours(1))),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Backups succeeded by type and tier',
            left: [search('BackupsSucceeded', 'Sum')],
            width: 12,
          }),
          new GraphWidget({
            title: 'Backups failed by type and tier',
            left: [search('BackupsFailed', 'Sum')],
            width: 12,
          }),
        ],
        [
          new GraphWidget({ title: 'Backup duration (s)', left: [search('BackupDuration', 'Average')], width: 8 }),
          new GraphWidget({ title: 'Polls per backup', left: [search('PollsPerBackup', 'Average')], width: 8 }),
          new GraphWidget({
            title: 'Snapshots deleted by retention',
            left: [
              new Metric({
                namespace: METRICS_NAMESPACE,
                metricName: 'SnapshotsDeleted',
                dimensionsMap: { service: SERVICE_NAME },
                statistic: 'Sum',
                period: Duration.hours(1),
              }),
            ],
            width: 8,
          }),
        ],
      ],
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'BackupBucketName', { value: this.backupBucket.bucketName });

    this.acknowledgeNagFindings(functions, stateMachineName);
  }

  /** EventBridge Scheduler, only on behalf of schedules in this account (no confused deputy). */
  private schedulerPrincipal(): ServicePrincipal {
    return new ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: {
          'aws:SourceAccount': Aws.ACCOUNT_ID,
          'aws:SourceArn': this.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      },
    });
  }

  /**
   * Where DynamoDB exports land: versioned, encrypted, private, TLS only, with server access logs.
   * Exports are written under `dynamodb-exports/<tier>/`, so each tier's lifecycle rule moves them
   * through the storage classes and expires them with the tier's retention (S3 does the cleanup of
   * this mode; Apply retention never touches the bucket). Old versions go 30 days after.
   */
  private createBackupBucket(tiers: Record<string, TierConfig>, storage: ExportStorageConfig): Bucket {
    const accessLogs = new Bucket(this, 'BackupBucketAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the backup bucket; logging it into itself would loop.',
    });
    const transitions = [
      { storageClass: StorageClass.INFREQUENT_ACCESS, days: storage.infrequentAccessDays },
      { storageClass: StorageClass.GLACIER, days: storage.glacierDays },
      { storageClass: StorageClass.DEEP_ARCHIVE, days: storage.deepArchiveDays },
    ];
    const lifecycleRules: LifecycleRule[] = Object.entries(tiers).map(([tier, policy]) => ({
      id: `exports-${tier}`,
      prefix: `${EXPORT_PREFIX}/${tier}/`,
      // S3 refuses a transition at or after the expiration; a short tier simply never leaves Standard.
      transitions: transitions
        .filter((t) => t.days < policy.retentionDays)
        .map((t) => ({ storageClass: t.storageClass, transitionAfter: Duration.days(t.days) })),
      expiration: Duration.days(policy.retentionDays),
      noncurrentVersionExpiration: Duration.days(30),
    }));
    lifecycleRules.push({
      id: 'housekeeping',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
      expiredObjectDeleteMarker: true,
    });
    return new Bucket(this, 'BackupBucket', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'backup-bucket/',
      lifecycleRules,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Cross-region copies. Plan checks the targets (DescribeRegions, KMS DescribeKey). Start copies runs
   * CopySnapshot / CopyDBSnapshot / CopyDBClusterSnapshot in the destination, tagging what it creates
   * (CreateTags only on CopySnapshot's own snapshots), and uses the destination's key through EC2 or RDS
   * only (kms:ViaService); it looks copies up first. Check copies only describes.
   */
  private grantCopies(functions: Record<FunctionName, PipelineFunction>): void {
    const account = Aws.ACCOUNT_ID;
    const partition = Aws.PARTITION;
    const add = (name: FunctionName, statement: PolicyStatement) => functions[name].addToRolePolicy(statement);
    add('plan-run', new PolicyStatement({ actions: ['ec2:DescribeRegions'], resources: ['*'] }));
    add(
      'plan-run',
      new PolicyStatement({
        actions: ['kms:DescribeKey'],
        resources: [`arn:${partition}:kms:*:${account}:key/*`, `arn:${partition}:kms:*:${account}:alias/*`],
      }),
    );
    const describe = ['ec2:DescribeSnapshots', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'];
    add('start-copies', new PolicyStatement({ actions: describe, resources: ['*'] }));
    add('check-copies', new PolicyStatement({ actions: [...describe, 'ec2:DescribeImages'], resources: ['*'] }));
    add(
      'start-copies',
      new PolicyStatement({
        actions: ['ec2:CopyImage'],
        resources: [`arn:${partition}:ec2:*::image/*`, `arn:${partition}:ec2:*::snapshot/*`],
      }),
    );
    add(
      'start-copies',
      new PolicyStatement({ actions: ['ec2:CopySnapshot'], resources: [`arn:${partition}:ec2:*::snapshot/*`] }),
    );
    add(
      'start-copies',
      new PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [`arn:${partition}:ec2:*::snapshot/*`, `arn:${partition}:ec2:*::image/*`],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CopySnapshot', 'CopyImage'] } },
      }),
    );
    add(
      'start-copies',
      new PolicyStatement({
        // Only the project's own identifiers (bp-...): the source and the copy carry the same one.
        actions: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:AddTagsToResource'],
        resources: [
          `arn:${partition}:rds:*:${account}:snapshot:${RDS_SNAPSHOT_PREFIX}*`,
          `arn:${partition}:rds:*:${account}:cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*`,
        ],
      }),
    );
    // What EC2 and RDS do with the destination key while they copy (no kms:Encrypt: neither calls it).
    const viaEc2OrRds = { 'kms:ViaService': ['ec2.*.amazonaws.com', 'rds.*.amazonaws.com'] };
    add(
      'start-copies',
      new PolicyStatement({
        actions: [
          'kms:DescribeKey',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKeyWithoutPlaintext',
        ],
        resources: [`arn:${partition}:kms:*:${account}:key/*`],
        conditions: { StringLike: viaEc2OrRds },
      }),
    );
    // A grant only for the AWS service doing the copy, never one the function could hand to a principal.
    add(
      'start-copies',
      new PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [`arn:${partition}:kms:*:${account}:key/*`],
        conditions: { StringLike: viaEc2OrRds, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    );
    Validations.of(functions['plan-run'].role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*]',
        reason: 'Plan checks that each copy region key named in the input exists (DescribeKey only).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:alias/*]',
        reason: 'Copy keys may be named by alias; DescribeKey resolves it.',
      },
    );
    Validations.of(functions['start-copies'].role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'EC2/RDS Describe* calls and X-Ray trace writes have no resource-level permissions.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::snapshot/*]',
        reason:
          'Copies are new snapshots whose ids do not exist before the call; CreateTags is conditioned on CopySnapshot.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::image/*]',
        reason:
          'AMI copies are new images whose ids do not exist before the call; CreateTags is conditioned on CopyImage.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason: 'Copy identifiers are derived per run in each destination region, all with the project prefix.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason: 'Copy identifiers are derived per run in each destination region, all with the project prefix.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*]',
        reason: 'The copy keys are chosen per run (copyTo); use is limited to EC2 and RDS via kms:ViaService.',
      },
    );
    Validations.of(functions['check-copies'].role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'EC2/RDS Describe* calls and X-Ray trace writes have no resource-level permissions.',
    });
  }

  /**
   * DynamoDB tables: discovery lists tables and reads their tags; start creates an on-demand backup or
   * an export into the backup bucket (which needs S3 writes under the export prefix); check reads
   * them; retention lists and deletes backups. DynamoDB cannot tag on-demand backups, so DeleteBackup
   * cannot be conditioned on the managed-by tag: it is scoped to backups of tables in this account, and
   * the code deletes only backups whose name carries this stack (shared/services/dynamodb/dynamodb-table.ts).
   */
  private grantDynamoDbBackups(functions: Record<FunctionName, PipelineFunction>): void {
    const table = `arn:${Aws.PARTITION}:dynamodb:*:${Aws.ACCOUNT_ID}:table/*`;
    const add = (name: FunctionName, actions: string[], resources: string[]) =>
      functions[name].addToRolePolicy(new PolicyStatement({ actions, resources }));
    add('plan-run', ['dynamodb:ListTables'], ['*']);
    add('plan-run', ['dynamodb:ListTagsOfResource', 'dynamodb:DescribeTable'], [table]);
    add('start-backup', ['dynamodb:CreateBackup', 'dynamodb:ExportTableToPointInTime'], [table]);
    add('start-backup', ['dynamodb:ListBackups'], ['*']);
    add(
      'start-backup',
      ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'],
      [this.backupBucket.arnForObjects(`${EXPORT_PREFIX}/*`)],
    );
    add('check-backup', ['dynamodb:DescribeBackup'], [`${table}/backup/*`]);
    add('check-backup', ['dynamodb:DescribeExport'], [`${table}/export/*`]);
    add('apply-retention', ['dynamodb:ListBackups'], ['*']);
    add('apply-retention', ['dynamodb:DeleteBackup'], [`${table}/backup/*`]);
    for (const name of ['plan-run', 'start-backup', 'check-backup', 'apply-retention'] as const) {
      Validations.of(functions[name].role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/*]',
        reason: 'The tables to back up are chosen at run time by tag or ARN from the whole account.',
      });
    }
    Validations.of(functions['start-backup'].role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.backupBucket.node.defaultChild as CfnElement)}.Arn>/${EXPORT_PREFIX}/*]`,
      reason: 'DynamoDB writes each export under its own run prefix, below the export prefix only.',
    });
    Validations.of(functions['check-backup'].role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/*/backup/*]',
        reason: 'Backup ARNs are created by CreateBackup at run time.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/*/export/*]',
        reason: 'Export ARNs are created by ExportTableToPointInTime at run time.',
      },
    );
    Validations.of(functions['apply-retention'].role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:*:<AWS::AccountId>:table/*/backup/*]',
      reason:
        'On-demand backups cannot be tagged, so no tag condition is possible; the handler deletes only backups whose name carries this stack.',
    });
  }

  private grantFunctions(functions: Record<FunctionName, PipelineFunction>, stackName: string): void {
    // Snapshot and image ARNs carry no account id.
    const ec2Arn = (resource: string) =>
      `arn:${Aws.PARTITION}:ec2:*:${/^(snapshot|image)\//.test(resource) ? '' : Aws.ACCOUNT_ID}:${resource}`;
    const rdsArn = (resource: string) => `arn:${Aws.PARTITION}:rds:*:${Aws.ACCOUNT_ID}:${resource}`;
    for (const name of FUNCTION_NAMES) {
      const fn = functions[name];
      fn.addToRolePolicy(new PolicyStatement({ actions: DYNAMO_ACTIONS[name], resources: [this.table.tableArn] }));
      const describe = DESCRIBE_ACTIONS[name];
      if (describe) fn.addToRolePolicy(new PolicyStatement({ actions: describe, resources: ['*'] }));
    }
    const start = functions['start-backup'];
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:CreateSnapshot', 'ec2:CreateSnapshots'],
        resources: [ec2Arn('instance/*'), ec2Arn('volume/*'), ec2Arn('snapshot/*')],
      }),
    );
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:CreateImage'],
        resources: [ec2Arn('instance/*'), ec2Arn('image/*'), ec2Arn('snapshot/*')],
      }),
    );
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['ec2:CreateTags'],
        resources: [ec2Arn('snapshot/*'), ec2Arn('image/*')],
        conditions: { StringEquals: { 'ec2:CreateAction': ['CreateSnapshot', 'CreateSnapshots', 'CreateImage'] } },
      }),
    );
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['rds:CreateDBSnapshot'],
        resources: [rdsArn('db:*'), rdsArn(`snapshot:${RDS_SNAPSHOT_PREFIX}*`)],
      }),
    );
    // Tags only on the project's own snapshot identifiers, never on a database or another snapshot.
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['rds:AddTagsToResource'],
        resources: [rdsArn(`snapshot:${RDS_SNAPSHOT_PREFIX}*`), rdsArn(`cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*`)],
      }),
    );
    start.addToRolePolicy(
      new PolicyStatement({
        actions: ['rds:CreateDBClusterSnapshot'],
        resources: [rdsArn('cluster:*'), rdsArn(`cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*`)],
      }),
    );
    const retention = functions['apply-retention'];
    // EC2 evaluates aws:ResourceTag on snapshots; RDS's own key for a snapshot's tags is rds:snapshot-tag.
    // managed-by is the stack name qualified by its home region; the bare name is what backups made
    // before the qualification carry (the handler accepts it in the home region only).
    const owners = [ownerTagValue(stackName, Aws.REGION), stackName];
    const ownedOnly = { StringEquals: { [`aws:ResourceTag/${TAG.managedBy}`]: owners } };
    const ownedDbSnapshotOnly = { StringEquals: { [`rds:snapshot-tag/${TAG.managedBy}`]: owners } };
    const ownedClusterSnapshotOnly = { StringEquals: { [`rds:cluster-snapshot-tag/${TAG.managedBy}`]: owners } };
    retention.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:DeleteSnapshot'],
        resources: [ec2Arn('snapshot/*')],
        conditions: ownedOnly,
      }),
    );
    retention.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ec2:DeregisterImage'],
        resources: [ec2Arn('image/*')],
        conditions: ownedOnly,
      }),
    );
    retention.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['rds:DeleteDBSnapshot'],
        resources: [rdsArn(`snapshot:${RDS_SNAPSHOT_PREFIX}*`)],
        conditions: ownedDbSnapshotOnly,
      }),
    );
    retention.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['rds:DeleteDBClusterSnapshot'],
        resources: [rdsArn(`cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*`)],
        conditions: ownedClusterSnapshotOnly,
      }),
    );
    const notify = functions.notify;
    notify.addToRolePolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    notify.addToRolePolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      }),
    );
    const key = this.topic.masterKey;
    if (key)
      notify.addToRolePolicy(
        new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
      );
  }

  private acknowledgeNagFindings(functions: Record<FunctionName, PipelineFunction>, stateMachineName: string): void {
    for (const fn of [...Object.values(functions), this.freshness]) {
      Validations.of(fn.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'EC2/RDS Describe* calls and X-Ray trace writes have no resource-level permissions; all create and delete actions are scoped.',
      });
    }
    Validations.of(functions['start-backup'].role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::snapshot/*]',
        reason:
          'Snapshot ids are created by the call itself and cannot be known in advance; CreateTags is conditioned on the creating action.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::image/*]',
        reason:
          'AMI ids are created by CreateImage itself and cannot be known in advance; CreateTags on images is conditioned on ec2:CreateAction = CreateImage.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:instance/*]',
        reason: 'The resources to back up are chosen at run time by tag or ARN from the whole account.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:volume/*]',
        reason: 'The resources to back up are chosen at run time by tag or ARN from the whole account.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:db:*]',
        reason: 'The databases to back up are chosen at run time by tag or ARN from the whole account.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason:
          'Snapshot identifiers are derived per run with the project prefix; only those are creatable and taggable.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:cluster:*]',
        reason: 'The Aurora clusters to back up are chosen at run time by tag, member or ARN from the whole account.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason:
          'Cluster snapshot identifiers are derived per run with the project prefix; only those are creatable and taggable.',
      },
    );
    Validations.of(functions['apply-retention'].role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::snapshot/*]',
        reason:
          'DeleteSnapshot is allowed only on snapshots tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*::image/*]',
        reason:
          'DeregisterImage is allowed only on AMIs tagged backup-pipeline:managed-by = this stack (aws:ResourceTag condition).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason:
          'DeleteDBSnapshot is allowed only on the project-prefixed snapshots tagged backup-pipeline:managed-by = this stack (rds:snapshot-tag condition).',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:*:<AWS::AccountId>:cluster-snapshot:${RDS_SNAPSHOT_PREFIX}*]`,
        reason:
          'DeleteDBClusterSnapshot is allowed only on the project-prefixed cluster snapshots tagged backup-pipeline:managed-by = this stack (rds:cluster-snapshot-tag condition).',
      },
    );
    const machineRole = this.stateMachine.role;
    Validations.of(machineRole).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Log delivery and X-Ray actions of the state machine have no resource-level permissions.',
      },
      ...Object.values(functions).map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.function.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason: 'Invoking the pipeline function by version or alias (<function ARN>:*), as the Lambda integration may.',
      })),
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}/*]`,
        reason: 'The Distributed Map starts one child execution per resource, named at run time.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:mapRun:${stateMachineName}/*]`,
        reason: 'Map runs are named at run time; redrive of a map run is scoped to this state machine.',
      },
    );
  }
}
