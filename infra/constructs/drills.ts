/**
 * Restore drills (issue #12 item 3): the drill schedule, which starts the restore state machine with
 * the drill configuration's selection (cdk.json `drills`), its role (Scheduler of this account only, may
 * start that one state machine), and one alarm per drilled resource type when the type has had no
 * successful drill within `periodDays` (the hourly freshness check publishes HoursSinceSuccessfulDrill;
 * missing data pages, the check stopped). Always (drills can be started by hand): an alarm when a drill's
 * clean-up left resources behind, and one when a restore execution failed. Also the data of what a drill's
 * validation may invoke: the one validation function configured, nothing else. With `drills: null` there
 * is no schedule and no per-type alarm.
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type DrillsConfig, drillInput } from '../../shared/config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/names';
import { RESOURCE_TYPES } from '../../shared/resource';
import type { PermissionSet } from '../../shared/services/permission-set';
import { schedulerPrincipal } from './schedules';

export interface DrillsProps {
  restoreMachine: StateMachine;
  drills: DrillsConfig | null;
  defaultTier: string;
  topic: ITopic;
}

/**
 * The alarms every stack with a restore machine has, drills scheduled or not (an operator may restore
 * or drill by hand; a recovery stack restores with the home region gone): a failed restore execution,
 * and a drill's clean-up that left resources behind. Returns the action that publishes to the topic.
 */
export function restoreAlarms(scope: Construct, restoreMachine: StateMachine, topic: ITopic): SnsAction {
  const action = new SnsAction(topic);
  // Whether or not drills are scheduled (an operator may drill by hand): what a restore left behind pages.
  new Alarm(scope, 'DrillCleanupFailedAlarm', {
    alarmDescription:
      'A restore drill could not delete everything it restored: the drill notification lists what is left (tagged backup-pipeline:drill=true). Delete it by hand; "backup-pipeline status" lists it too. docs/operations.md (Restore drills).',
    metric: new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'DrillCleanupsFailed',
      dimensionsMap: { service: SERVICE_NAME },
      statistic: 'Sum',
      period: Duration.minutes(5),
    }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(action);
  new Alarm(scope, 'RestoreExecutionsFailedAlarm', {
    alarmDescription:
      'A restore or restore drill failed (not restored, validation failed, or resources left behind). Read its notification, "backup-pipeline status --rto", and the execution in the Step Functions console.',
    metric: restoreMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  }).addAlarmAction(action);
  return action;
}

export class Drills {
  private readonly drills: DrillsConfig | null;

  constructor(scope: Construct, { restoreMachine, drills, defaultTier, topic }: DrillsProps) {
    this.drills = drills;
    const action = restoreAlarms(scope, restoreMachine, topic);
    if (!drills) return;
    if (drills.schedule) {
      const role = new Role(scope, 'DrillScheduleRole', {
        assumedBy: schedulerPrincipal(scope),
        description: 'EventBridge Scheduler: start restore drills of this restore state machine only',
      });
      new Schedule(scope, 'Schedule-drills', {
        description: `backup-pipeline restore drill (${drills.perType} per type and mode, deleted after ${drills.keepMinutes} min)`,
        schedule: ScheduleExpression.expression(
          drills.schedule,
          drills.timeZone ? TimeZone.of(drills.timeZone) : TimeZone.ETC_UTC,
        ),
        timeWindow: TimeWindow.off(),
        target: new StepFunctionsStartExecution(restoreMachine, {
          role,
          input: ScheduleTargetInput.fromObject(drillInput(drills, defaultTier)),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    }
    for (const type of drills.types ?? RESOURCE_TYPES) {
      new Alarm(scope, `DrillOverdueAlarm-${type}`, {
        alarmDescription: `No ${type} restore drill has passed for more than ${drills.periodDays} days (before the first, counted from the deploy), or the hourly freshness check stopped reporting. Run "backup-pipeline status --rto" for the last drill and its error, the drill notification for what was left, and docs/operations.md (Restore drills).`,
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'HoursSinceSuccessfulDrill',
          dimensionsMap: { service: SERVICE_NAME, resourceType: type },
          statistic: 'Maximum',
          period: Duration.hours(1),
        }),
        threshold: drills.periodDays * 24,
        evaluationPeriods: 2,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
      }).addAlarmAction(action);
    }
  }

  /** A drill's validation may invoke the configured validation function, and only it. */
  permissions(): PermissionSet<'validate-restore'> {
    return validationPermissions(this.drills);
  }
}

/**
 * What Validate restore may invoke: the configured validation function, nothing else (the home stack's
 * and each recovery stack's, which deploy the same validate-restore environment).
 */
export function validationPermissions(drills: DrillsConfig | null): PermissionSet<'validate-restore'> {
  const arn = drills?.validationFunctionArn;
  return { 'validate-restore': { grants: arn ? [{ actions: ['lambda:InvokeFunction'], resources: [arn] }] : [] } };
}
