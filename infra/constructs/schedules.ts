/**
 * What starts work on its own: one EventBridge Scheduler schedule per scheduled tier, starting a run
 * of the backup state machine with the tier as input (evaluated in the tier's time zone, UTC unless
 * it names one), and the hourly freshness check. Each kind has
 * its own role that Scheduler of this account alone may assume and that may do only that one thing.
 * Created in the stack's scope, with the logical IDs deployed stacks already have.
 */
import { Aws, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke, StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { TierConfig } from '../../shared/config';
import type { PermissionSet } from '../../shared/services/permission-set';
import type { PipelineFunction } from './pipeline-function';

export interface SchedulesProps {
  machine: StateMachine;
  tiers: Record<string, TierConfig>;
  freshness: PipelineFunction;
}

export class Schedules {
  /** The role the tier schedules start runs with. */
  readonly backupRole: Role;
  /** The role the freshness schedule invokes the check with. */
  readonly freshnessRole: Role;
  private readonly freshness: PipelineFunction;

  constructor(scope: Construct, { machine, tiers, freshness }: SchedulesProps) {
    // The target grants states:StartExecution on this state machine, nothing else.
    this.backupRole = new Role(scope, 'BackupScheduleRole', {
      assumedBy: schedulerPrincipal(scope),
      description: 'EventBridge Scheduler: start backup runs of this state machine only',
    });
    for (const [tier, settings] of Object.entries(tiers)) {
      if (!settings.schedule) continue;
      new Schedule(scope, `Schedule-${tier}`, {
        description: `backup-pipeline ${tier} run (keeps ${settings.retentionDays} days)`,
        // The zone was checked at synth (config.ts), gaps across its clock changes included.
        schedule: ScheduleExpression.expression(
          settings.schedule,
          settings.timeZone ? TimeZone.of(settings.timeZone) : TimeZone.ETC_UTC,
        ),
        // Backups run at the stated time; a flexible window would blur the RPO the alarms assume.
        timeWindow: TimeWindow.off(),
        target: new StepFunctionsStartExecution(machine, {
          role: this.backupRole,
          input: ScheduleTargetInput.fromObject({ tier }),
          // StartExecution is retried only when it failed (nothing started); a run older than an hour
          // is dropped rather than started late on top of the next one.
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    }

    this.freshness = freshness;
    this.freshnessRole = new Role(scope, 'FreshnessScheduleRole', {
      assumedBy: schedulerPrincipal(scope),
      description: 'EventBridge Scheduler: invoke the freshness check only',
    });
    new Schedule(scope, 'Schedule-freshness', {
      description: 'backup-pipeline: hourly check of the time since each tier last succeeded',
      schedule: ScheduleExpression.rate(Duration.hours(1)),
      target: new LambdaInvoke(freshness.function, { retryAttempts: 2, role: this.freshnessRole }),
    });
  }

  /** The freshness role's one wildcard, from the invoke grant the Scheduler target makes. */
  permissions(): PermissionSet<'freshness-schedule'> {
    return {
      'freshness-schedule': {
        grants: [],
        wildcards: {
          [`${this.freshness.function.functionArn}:*`]:
            'The scheduler target may invoke the freshness function by version or alias (<function ARN>:*).',
        },
      },
    };
  }
}

/** EventBridge Scheduler, only on behalf of schedules in this account (no confused deputy). */
export function schedulerPrincipal(scope: Construct): ServicePrincipal {
  return new ServicePrincipal('scheduler.amazonaws.com', {
    conditions: {
      StringEquals: {
        'aws:SourceAccount': Aws.ACCOUNT_ID,
        'aws:SourceArn': Stack.of(scope).formatArn({
          service: 'scheduler',
          resource: 'schedule-group',
          resourceName: 'default',
        }),
      },
    },
  });
}
