/**
 * CloudFormation's own rules for the templates: aws-cdk-lib's built-in template validation (the
 * "CloudFormation Validate" plugin) run strictly, so a violation fails here instead of printing a warning
 * nobody reads. It checks the whole app as `cdk synth` builds it, with and without the recovery stacks.
 * The other test synths skip it (CDK_VALIDATION=false in tests/support/setup-env.ts): it cost a third of
 * every synth's CPU and said nothing the warnings did not.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/bin/app';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };

function synthStrictly(recovery: object | null) {
  const context = {
    ...cdkJson.context,
    backupPipeline: { ...(cdkJson.context.backupPipeline as object), recovery },
    // Errors fail the synth instead of being downgraded to warnings.
    '@aws-cdk/core:validateAgainstDefaultRules': true,
    'aws:cdk:bundling-stacks': [],
  };
  const assembly = buildApp(new App({ context })).app.synth();
  return JSON.parse(readFileSync(`${assembly.directory}/validation-report.json`, 'utf8')) as {
    pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
  };
}

describe("CloudFormation's rules, checked strictly", () => {
  const saved = process.env.CDK_VALIDATION;
  beforeAll(() => {
    delete process.env.CDK_VALIDATION;
  });
  afterAll(() => {
    if (saved !== undefined) process.env.CDK_VALIDATION = saved;
  });

  it.each([
    ['the stack as cdk.json configures it', null],
    ['the home and recovery stacks', { homeRegion: 'eu-west-1', regions: ['us-west-2'] }],
  ])('pass for %s, with no violation', (_what, recovery) => {
    // Act
    const report = synthStrictly(recovery);

    // Assess: the plugin ran, and found nothing
    const plugin = report.pluginReports.find((r) => r.pluginName === 'CloudFormation Validate');
    expect(plugin).toEqual(expect.objectContaining({ conclusion: 'success', violations: [] }));
  });
});
