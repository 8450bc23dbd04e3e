#!/usr/bin/env node
/**
 * CDK app entry: validates cdk.json context, defines the stack (and, with `recovery` configured, one
 * restore-only recovery stack per recovery region; with `organization`, the member stack), and runs
 * cdk-nag (AwsSolutions) on every synth; an open finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidConfigError } from '../../shared/config';
import { recoveryStackName } from '../../shared/names';
import { loadPipelineConfig } from '../config';
import { BackupPipelineStack } from '../stacks/backup-pipeline-stack';
import { MemberStack, memberStackName } from '../stacks/member-stack';
import { RecoveryStack } from '../stacks/recovery-stack';

export function buildApp(app = new App()): {
  app: App;
  stack: BackupPipelineStack;
  recoveryStacks: RecoveryStack[];
  memberStack?: MemberStack;
} {
  const config = loadPipelineConfig(app.node);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const { recovery } = config;
  const stack = new BackupPipelineStack(app, config.stackName, {
    config,
    description: 'backup-pipeline: serverless backup orchestrator (Step Functions, Lambda, DynamoDB)',
    // Environment-agnostic on purpose without recovery: one template for every account and region,
    // identical in tests and in `cdk synth`; `cdk deploy` targets the CLI's profile. With recovery, the
    // home region is named: CDK refuses global table replicas, and cross-region references, without it.
    // The account stays the CLI profile's.
    ...(recovery ? { env: { region: recovery.homeRegion }, crossRegionReferences: true } : {}),
  });
  const recoveryStacks = (recovery?.regions ?? []).map(
    (region) =>
      // One stack name in every recovery region (the CLI looks it up by name there); construct ids differ.
      new RecoveryStack(app, `${recoveryStackName(config.stackName)}-${region}`, {
        config,
        stackName: recoveryStackName(config.stackName),
        env: { region },
        crossRegionReferences: true,
        tableName: stack.table.tableName,
        description: `backup-pipeline recovery (${region}): restores from DR copies with the home region ${recovery?.homeRegion} lost`,
      }),
  );
  // With an organization: the member stack on its own too (the StackSet inlines the same template), for
  // an account StackSets never reach (the management account) or a deployment by hand.
  const { organization } = config;
  const memberStack = organization
    ? new MemberStack(app, memberStackName(config.stackName), { config: { ...config, organization } })
    : undefined;
  return { app, stack, recoveryStacks, ...(memberStack ? { memberStack } : {}) };
}

if (require.main === module) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // A bad cdk.json is the operator's to fix: its message names each key; a stack trace adds nothing.
    if (!(error instanceof InvalidConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
