#!/usr/bin/env node
/**
 * CDK app entry: validates cdk.json context, defines the stack, and runs cdk-nag (AwsSolutions) on
 * every synth; an open finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidConfigError } from '../../shared/config';
import { loadPipelineConfig } from '../config';
import { BackupPipelineStack } from '../stacks/backup-pipeline-stack';

export function buildApp(app = new App()): { app: App; stack: BackupPipelineStack } {
  const config = loadPipelineConfig(app.node);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new BackupPipelineStack(app, config.stackName, {
    config,
    description: 'backup-pipeline: serverless backup orchestrator (Step Functions, Lambda, DynamoDB)',
    // Environment-agnostic on purpose: one template for every account and region (the DR regions
    // included), identical in tests and in `cdk synth`; `cdk deploy` targets the CLI's profile.
  });
  return { app, stack };
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
