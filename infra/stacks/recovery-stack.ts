/**
 * The restore-only stack of one recovery region (config `recovery`, issue #19): with the home region
 * lost, `backup-pipeline restore --region <this region>` starts this stack's restore state machine
 * (the same statemachines/restore.asl.json, the same name as at home), whose Lambdas read and write the
 * state table's replica in this region. It holds only what that machine invokes (the restore tasks),
 * their notifications topic with the restore alarms, and the bucket DynamoDB exports are copied into
 * (named by recoveryBucketName, so the home stack's Lambdas address it without a reference).
 *
 * The replica has the primary's name, which CloudFormation generates at the home deploy. It reaches this
 * stack by CDK's cross-region references (`crossRegionReferences` on both stacks, both with explicit
 * regions): the home stack writes it to an SSM parameter in this region and this stack reads it at
 * deploy, so no operator copies a name between stacks; deploy home first (CDK orders the stacks).
 * Without `crossRegionReferences` on this (consuming) stack, CDK would instead give the table a physical
 * name fixed at synth: a replacement of the deployed table, every record lost (with the account unresolved
 * it refuses; tests/infra/recovery-stack.test.ts keeps the name generated). A strong reference: home cannot
 * drop or change the name while a recovery stack reads it.
 *
 * Permissions are the home stack's data for the same holders (the restore functions and the restore
 * machine), applied by the same code (../constructs/permissions.ts): the state-table grants on the
 * replica's ARN in this region, the topic's and bucket's on this stack's own. Nothing a restore
 * function lacks at home is granted here.
 */
import { readFileSync } from 'node:fs';
import { Annotations, Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type PipelineConfig, recoveryStackConfig } from '../../shared/config';
import { type FunctionName, functionEnvironments } from '../../shared/lambda/function-env';
import { recoveryBucketName, restoreStateMachineName } from '../../shared/names';
import { SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import { BackupBucket } from '../constructs/backup-bucket';
import { BackupStateMachine, functionsNamedIn, RESTORE_ASL_FILE } from '../constructs/backup-state-machine';
import { restoreAlarms, validationPermissions } from '../constructs/drills';
import { Notifications } from '../constructs/notifications';
import { applyPermissions, permissionsOf } from '../constructs/permissions';
import { createTaskFunctions, type PipelineFunction } from '../constructs/pipeline-function';
import { stateTablePermissions } from '../constructs/state-table';
import { WORKFLOW_PERMISSIONS } from '../constructs/workflow-permissions';

/** The tasks of the restore workflow: the functions its ASL invokes, and only those. */
export const RESTORE_FUNCTION_NAMES: readonly FunctionName[] = functionsNamedIn(readFileSync(RESTORE_ASL_FILE, 'utf8'));

export interface RecoveryStackProps extends StackProps {
  config: PipelineConfig;
  /** The state table's name (the home stack's, a cross-region reference): its replica here has the same. */
  tableName: string;
}

export class RecoveryStack extends Stack {
  readonly restoreStateMachine: BackupStateMachine;
  readonly topic: Notifications;
  readonly backupBucket: BackupBucket;
  readonly functions: Readonly<Partial<Record<FunctionName, PipelineFunction>>>;
  /** The replica's ARN in this region, which the restore functions are granted on. */
  readonly tableArn: string;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, props);
    const { config, tableName } = props;
    // Strong is what we want: the home stack cannot change or drop the name while this stack reads it.
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/core:crossStackReferencesDefaultStrong',
      'The table name is a strong reference on purpose: home cannot drop or change it while a recovery stack reads it.',
    );
    const logRetention = config.logRetentionDays as RetentionDays;

    this.topic = new Notifications(this, 'Notifications', { email: config.notificationEmail });
    this.backupBucket = new BackupBucket(this, 'BackupBucket', {
      tiers: config.tiers,
      storage: config.exportStorage,
      bucketName: recoveryBucketName(config.stackName, Aws.ACCOUNT_ID, this.region),
    });
    // The replica's ARN as the table construct builds it for a name in this stack's region and account.
    this.tableArn = TableV2.fromTableName(this, 'StateTableReplica', tableName).tableArn;

    // Drills here validate with this region's validation function (recovery.validationFunctionArns), if any.
    const here = recoveryStackConfig(config, this.region);
    const environments = functionEnvironments(here, {
      tableName,
      topicArn: this.topic.topicArn,
      bucketName: this.backupBucket.bucketName,
    });
    this.functions = createTaskFunctions(this, RESTORE_FUNCTION_NAMES, environments, logRetention);
    this.restoreStateMachine = new BackupStateMachine(this, 'RestoreStateMachine', {
      stateMachineName: restoreStateMachineName(config.stackName),
      functions: this.functions,
      logRetention,
      aslFile: RESTORE_ASL_FILE,
      logGroupId: 'RestoreStateMachineLogs',
      comment: `backup-pipeline restore in recovery region ${this.region}: plan, start, wait and check, validate and clean up a drill, record and notify`,
    });
    restoreAlarms(this, this.restoreStateMachine, this.topic);

    const holders = [...RESTORE_FUNCTION_NAMES, 'restore-state-machine' as const];
    applyPermissions(
      this,
      {
        functions: this.functions,
        restoreStateMachine: this.restoreStateMachine,
        stackName: config.stackName,
        backupBucket: this.backupBucket,
      },
      [
        ...Object.values(SERVICE_PERMISSIONS),
        WORKFLOW_PERMISSIONS,
        stateTablePermissions(this.tableArn),
        this.topic.permissions(),
        this.restoreStateMachine.permissions('restore-state-machine'),
        validationPermissions(here.drills),
      ].map((set) => permissionsOf(set, holders)),
    );

    // The keys the CLI reads through DescribeStacks (cli/target.ts), as on the home stack.
    new CfnOutput(this, 'RestoreStateMachineArn', { value: this.restoreStateMachine.stateMachineArn });
    new CfnOutput(this, 'TableName', { value: tableName });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'BackupBucketName', { value: this.backupBucket.bucketName });
  }
}
