/**
 * Where the CLI finds the deployed pipeline: flags first, then BACKUP_PIPELINE_* environment variables,
 * then the CloudFormation outputs of the stack (its name from cdk.json). The local sandbox prints the
 * environment variables, so every command works against it exactly as against AWS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type PipelineConfig, parsePipelineConfig } from '../shared/config';
import { CliError } from './errors';

export { CliError };

export interface Target {
  stateMachineArn: string;
  /** The restore workflow's machine: its output, else the backup machine's sibling (`<stack>-restore`). */
  restoreStateMachineArn: string;
  tableName: string;
  region: string;
  config: PipelineConfig;
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
  if (!stateMachineArn || !tableName) {
    const stackName = options.stack ?? config.stackName;
    const cfn = new CloudFormationClient({ region });
    try {
      const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
      const outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
      stateMachineArn ??= outputs.StateMachineArn;
      tableName ??= outputs.TableName;
      restoreStateMachineArn ??= outputs.RestoreStateMachineArn;
    } catch (error) {
      if ((error as Error).name === 'ValidationError') {
        throw new CliError(
          `stack ${stackName} is not deployed in ${region}: deploy it with npx cdk deploy, or pass --state-machine-arn and --table`,
        );
      }
      throw explainAwsError(error, `stack ${stackName}`);
    } finally {
      cfn.destroy();
    }
    if (!stateMachineArn || !tableName)
      throw new CliError(`stack ${stackName} has no StateMachineArn/TableName outputs: redeploy it with this version`);
  }
  // The stack names both machines `<stack>-backup` and `<stack>-restore` (shared/names.ts).
  restoreStateMachineArn ??= stateMachineArn.replace(/-backup$/, '-restore');
  return { stateMachineArn, restoreStateMachineArn, tableName, region, config };
}
