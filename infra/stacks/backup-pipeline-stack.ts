/**
 * The backup-pipeline stack: wiring only. Each construct owns its part (../constructs/): the state
 * table, the notifications topic with its key and alarms, the backup bucket, one Lambda per task, the
 * state machines, the schedules, the restore drills and the dashboard, and with an organization the
 * member stack as a StackSet. IAM is least privilege per function, kept as data
 * (each service's in shared/services/<service>/permissions.ts, the stack's own beside the construct
 * that owns the resource) and applied, with every cdk-nag acknowledgement, in one place
 * (../constructs/permissions.ts). Construct ids and scopes are the ones deployed stacks have, so no
 * logical ID changes (tests/infra/logical-ids.test.ts).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../../shared/config';
import { type FunctionName, functionEnvironments } from '../../shared/lambda/function-env';
import { backupStateMachineName, restoreStateMachineName } from '../../shared/names';
import { SERVICE_PERMISSIONS } from '../../shared/services/catalog';
import { BackupBucket } from '../constructs/backup-bucket';
import { BackupStateMachine, RESTORE_ASL_FILE } from '../constructs/backup-state-machine';
import { PipelineDashboard } from '../constructs/dashboard';
import { Drills } from '../constructs/drills';
import { MemberStackSet } from '../constructs/member-stack-set';
import { Notifications } from '../constructs/notifications';
import { applyPermissions, stackFiller } from '../constructs/permissions';
import { createPipelineFunctions, type PipelineFunction } from '../constructs/pipeline-function';
import { createS3ReplicationRole } from '../constructs/s3-replication-role';
import { Schedules } from '../constructs/schedules';
import { StateTable } from '../constructs/state-table';
import { WORKFLOW_PERMISSIONS } from '../constructs/workflow-permissions';
import { MEMBER_ROLE_HOLDERS } from './member-stack';

export { ASL_FILE } from '../constructs/backup-state-machine';

export interface BackupPipelineStackProps extends StackProps {
  config: PipelineConfig;
}

export class BackupPipelineStack extends Stack {
  readonly stateMachine: BackupStateMachine;
  readonly restoreStateMachine: BackupStateMachine;
  readonly table: StateTable;
  readonly topic: Notifications;
  readonly backupBucket: BackupBucket;
  readonly functions: Record<FunctionName, PipelineFunction>;
  readonly freshness: PipelineFunction;
  /** With `organization` configured: the member stack in every member account (issue #23). */
  readonly memberStackSet?: MemberStackSet;

  constructor(scope: Construct, id: string, props: BackupPipelineStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.table = new StateTable(this, 'StateTable', { replicaRegions: config.recovery?.regions ?? [] });
    this.topic = new Notifications(this, 'Notifications', { email: config.notificationEmail });
    this.backupBucket = new BackupBucket(this, 'BackupBucket', { tiers: config.tiers, storage: config.exportStorage });

    const environments = functionEnvironments(config, {
      tableName: this.table.tableName,
      topicArn: this.topic.topicArn,
      bucketName: this.backupBucket.bucketName,
    });
    const { tasks, freshness } = createPipelineFunctions(this, environments, logRetention);
    this.functions = tasks;
    this.freshness = freshness;

    this.stateMachine = new BackupStateMachine(this, 'BackupStateMachine', {
      stateMachineName: backupStateMachineName(config.stackName),
      functions: tasks,
      logRetention,
    });
    this.restoreStateMachine = new BackupStateMachine(this, 'RestoreStateMachine', {
      stateMachineName: restoreStateMachineName(config.stackName),
      functions: tasks,
      logRetention,
      aslFile: RESTORE_ASL_FILE,
      logGroupId: 'RestoreStateMachineLogs',
      comment: 'backup-pipeline restore: plan, start, wait and check, validate and clean up a drill, record and notify',
    });
    const drills = new Drills(this, {
      restoreMachine: this.restoreStateMachine,
      drills: config.drills,
      defaultTier: config.defaultTier,
      topic: this.topic,
    });
    const schedules = new Schedules(this, { machine: this.stateMachine, tiers: config.tiers, freshness });
    this.topic.alarmOn(this.stateMachine, config.tiers);
    new PipelineDashboard(this, 'Dashboard', {
      stackName: config.stackName,
      machine: this.stateMachine,
      tiers: Object.keys(config.tiers),
    });

    applyPermissions(
      this,
      {
        functions: tasks,
        freshness,
        stateMachine: this.stateMachine,
        restoreStateMachine: this.restoreStateMachine,
        freshnessScheduleRole: schedules.freshnessRole,
        stackName: config.stackName,
        backupBucket: this.backupBucket,
      },
      [
        ...Object.values(SERVICE_PERMISSIONS),
        WORKFLOW_PERMISSIONS,
        this.table.permissions(),
        this.topic.permissions(),
        this.stateMachine.permissions(),
        this.restoreStateMachine.permissions('restore-state-machine'),
        this.backupBucket.runObjectPermissions(),
        schedules.permissions(),
        drills.permissions(),
      ],
    );

    // The role the S3 drivers name in replication rules and Batch Operations jobs (IAM is global: a
    // recovery region's restores use this one).
    createS3ReplicationRole(this, config.stackName, stackFiller(config.stackName, this.backupBucket));

    const { organization } = config;
    if (organization) {
      this.memberStackSet = new MemberStackSet(this, 'MemberStackSet', {
        config: { ...config, organization },
        pipelineRoles: MEMBER_ROLE_HOLDERS.map((holder) => tasks[holder].role),
        backupBucket: this.backupBucket,
      });
    }

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RestoreStateMachineArn', { value: this.restoreStateMachine.stateMachineArn });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'TopicArn', { value: this.topic.topicArn });
    new CfnOutput(this, 'BackupBucketName', { value: this.backupBucket.bucketName });
  }
}
