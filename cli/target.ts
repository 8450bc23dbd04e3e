/**
 * Where the CLI finds the deployed pipeline: flags first, then BACKUP_PIPELINE_* environment variables,
 * then the CloudFormation outputs of the stack (its name from cdk.json). The local sandbox prints the
 * environment variables, so every command works against it exactly as against AWS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type PipelineConfig, parsePipelineConfig } from '../shared/config';
import { recoveryStackName } from '../shared/names';
import { CliError } from './errors';

export { CliError };

export interface Target {
  stateMachineArn: string;
  /** The restore workflow's machine: its output, else the backup machine's sibling (`<stack>-restore`). */
  restoreStateMachineArn: string;
  tableName: string;
  region: string;
  config: PipelineConfig;
  /**
   * Found through the recovery stack of a recovery region (config `recovery`): it restores, reads the
   * state table's replica, and starts no backups (`stateMachineArn` is empty).
   */
  recovery: boolean;
  /**
   * The service's clock less this machine's, as the stack lookup's answer told it (its `Date` header; 0
   * without a lookup). In AWS it is the clock skew; against the sandbox, how far its simulated time runs
   * ahead, so a run named now is named by the clock its records use.
   */
  clockOffsetMs: number;
}

export interface TargetOptions {
  stack?: string;
  stateMachineArn?: string;
  table?: string;
  region?: string;
}

export function projectConfig(): PipelineConfig {
  const cdk = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context?: { backupPipeline?: unknown };
  };
  return parsePipelineConfig(cdk.context?.backupPipeline);
}

/** One line an operator can act on, for the errors the SDK raises when credentials or the stack are missing. */
export function explainAwsError(error: unknown, what: string): Error {
  const e = error as { name?: string; message?: string };
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message ?? '')) {
    return new CliError(
      `no AWS credentials for ${what}: configure a profile (aws configure, AWS_PROFILE) or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
    );
  }
  if (e.name === 'ExpiredTokenException' || e.name === 'ExpiredToken')
    return new CliError(`the AWS session has expired (${what}): log in again`);
  if (
    /ECONNREFUSED|fetch failed|ENOTFOUND/.test(
      `${e.message ?? ''} ${String((error as { cause?: unknown }).cause ?? '')}`,
    )
  ) {
    return new CliError(
      `cannot reach the AWS endpoint for ${what}${process.env.AWS_ENDPOINT_URL ? ` (${process.env.AWS_ENDPOINT_URL})` : ''}: is the sandbox still running?`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

export async function resolveTarget(options: TargetOptions): Promise<Target> {
  const config = projectConfig();
  const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('no AWS region: pass --region or export AWS_REGION');
  // An empty variable counts as unset.
  let stateMachineArn = options.stateMachineArn || process.env.BACKUP_PIPELINE_STATE_MACHINE_ARN || undefined;
  let tableName = options.table || process.env.BACKUP_PIPELINE_TABLE || undefined;
  let restoreStateMachineArn = process.env.BACKUP_PIPELINE_RESTORE_STATE_MACHINE_ARN || undefined;
  let recovery = false;
  let clockOffsetMs = 0;
  if (!stateMachineArn || !tableName) {
    const stackName = options.stack ?? config.stackName;
    const cfn = new CloudFormationClient({ region });
    const outputsOf = async (name: string): Promise<Record<string, string | undefined> | undefined> => {
      try {
        const out = await cfn.send(new DescribeStacksCommand({ StackName: name }));
        // The SDK keeps the answer's Date header less the local clock (clock-skew correction).
        clockOffsetMs = cfn.config.systemClockOffset ?? 0;
        return Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
      } catch (error) {
        if ((error as Error).name === 'ValidationError') return undefined;
        throw explainAwsError(error, `stack ${name}`);
      }
    };
    try {
      let outputs = await outputsOf(stackName);
      // A recovery region holds the restore-only stack: restores work there with the home region gone.
      if (!outputs && !options.stack) {
        outputs = await outputsOf(recoveryStackName(stackName));
        recovery = outputs !== undefined;
      }
      if (!outputs)
        throw new CliError(
          `stack ${stackName} is not deployed in ${region}: deploy it with npx cdk deploy, or pass --state-machine-arn and --table`,
        );
      tableName ??= outputs.TableName;
      restoreStateMachineArn ??= outputs.RestoreStateMachineArn;
      if (recovery) {
        if (!tableName || !restoreStateMachineArn)
          throw new CliError(`stack ${recoveryStackName(stackName)} has no RestoreStateMachineArn/TableName outputs`);
        return { stateMachineArn: '', restoreStateMachineArn, tableName, region, config, recovery, clockOffsetMs };
      }
      stateMachineArn ??= outputs.StateMachineArn;
    } finally {
      cfn.destroy();
    }
    if (!stateMachineArn || !tableName)
      throw new CliError(`stack ${stackName} has no StateMachineArn/TableName outputs: redeploy it with this version`);
  }
  // The stack names both machines `<stack>-backup` and `<stack>-restore` (shared/names.ts).
  restoreStateMachineArn ??= stateMachineArn.replace(/-backup$/, '-restore');
  return { stateMachineArn, restoreStateMachineArn, tableName, region, config, recovery, clockOffsetMs };
}
