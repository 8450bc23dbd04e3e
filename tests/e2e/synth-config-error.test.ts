/**
 * End to end: `cdk synth` with a bad cdk.json, as the CDK CLI runs the app (context in CDK_CONTEXT_JSON):
 * one message naming each bad key and exit 1, never a Node stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');

/** `cdk synth`'s app run with this context (as the CDK CLI hands it over in CDK_CONTEXT_JSON). */
function synth(contextJson: string) {
  return spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: contextJson, CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-out-')) },
  });
}

describe('cdk synth with an invalid cdk.json', () => {
  it('names every bad key in a short message and exits 1, without a stack trace', () => {
    // Prepare: two bad keys, as `cdk synth` hands the app its context.
    const context = { backupPipeline: { mapMaxConcurrency: 0, polling: { startWindowHours: -1 } } };

    // Act
    const out = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/bin/app.ts'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'cdk-out-')),
        },
      },
    );

    // Assess
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([
      'Invalid cdk.json context:',
      '  backupPipeline.mapMaxConcurrency: Too small: expected number to be >=1',
      '  backupPipeline.polling.startWindowHours: Too small: expected number to be >=1',
    ]);
  });

  it('refuses what used to synthesize and fail later (issue #21), naming each field', () => {
    // Prepare: a drill tier only Object.prototype knows, a tier named __proto__, cron expressions
    // EventBridge Scheduler refuses, a drill resource of an unsupported type, a deadline past retention.
    const context = `{"backupPipeline": {
      "tiers": {
        "daily": { "schedule": "cron(0 2 * * * *)", "retentionDays": 2, "deadlineHours": 72 },
        "weekly": { "schedule": "cron(61 2 ? * SUN *)", "retentionDays": 35 },
        "__proto__": { "retentionDays": 1 }
      },
      "drills": {
        "tier": "constructor",
        "allowSourceNetworking": true,
        "resources": ["arn:aws:lambda:eu-west-1:111122223333:function:f"]
      }
    }}`;

    // Act
    const out = synth(context);

    // Assess
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n').sort()).toEqual(
      [
        'Invalid cdk.json context:',
        '  backupPipeline.drills.resources.0: unsupported resource type "lambda:function" in arn:aws:lambda:eu-west-1:111122223333:function:f (partition aws); supported: EC2 instances, EBS volumes, RDS DB instances, Aurora DB clusters, DocumentDB clusters, Neptune clusters, DynamoDB tables, Redshift clusters, ElastiCache replication groups, S3 buckets',
        '  backupPipeline.drills.tier: "constructor" is not one of the tiers (daily, weekly)',
        '  backupPipeline.tiers.__proto__: "__proto__" cannot be a name here (JavaScript objects treat it specially, and it would be dropped)',
        "  backupPipeline.tiers.daily.deadlineHours: 72 h is past the tier's retention (2 days = 48 h): its backups would expire before they are judged",
        '  backupPipeline.tiers.daily.schedule: day-of-month and day-of-week: one of them must be ? (both are set)',
        '  backupPipeline.tiers.weekly.schedule: minutes: 61 is outside 0-59',
      ].sort(),
    );
  });
});
