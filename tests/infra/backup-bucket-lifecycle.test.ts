/**
 * The lifecycle the sandbox puts on its bucket is the one the stack deploys: the synthesized backup
 * bucket's LifecycleConfiguration holds exactly the rules of shared/backup-bucket-lifecycle.ts (the
 * rules local/run-resources.ts and the workflow tests put on the model's bucket), so a restore test of
 * an old export exercises the storage classes the deployed bucket gives it.
 */
import { readFileSync } from 'node:fs';
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/bin/app';
import { backupBucketLifecycle } from '../../shared/backup-bucket-lifecycle';
import { parsePipelineConfig } from '../../shared/config';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as {
  context: { backupPipeline: Record<string, unknown> };
};

/** A rule of the S3 API as CloudFormation's AWS::S3::Bucket Rule spells it. */
function asCloudFormation(rule: LifecycleRule): Record<string, unknown> {
  return {
    ...(rule.ID ? { Id: rule.ID } : {}),
    ...(rule.Filter?.Prefix ? { Prefix: rule.Filter.Prefix } : {}),
    Status: rule.Status,
    ...(rule.Transitions
      ? { Transitions: rule.Transitions.map((t) => ({ StorageClass: t.StorageClass, TransitionInDays: t.Days })) }
      : {}),
    ...(rule.Expiration?.Days !== undefined ? { ExpirationInDays: rule.Expiration.Days } : {}),
    ...(rule.Expiration?.ExpiredObjectDeleteMarker !== undefined
      ? { ExpiredObjectDeleteMarker: rule.Expiration.ExpiredObjectDeleteMarker }
      : {}),
    ...(rule.NoncurrentVersionExpiration ? { NoncurrentVersionExpiration: rule.NoncurrentVersionExpiration } : {}),
    ...(rule.AbortIncompleteMultipartUpload
      ? { AbortIncompleteMultipartUpload: rule.AbortIncompleteMultipartUpload }
      : {}),
  };
}

describe('the backup bucket lifecycle', () => {
  it('deploys exactly the rules the sandbox puts on its bucket', () => {
    // Prepare
    const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
    const config = parsePipelineConfig(cdkJson.context.backupPipeline);

    // Act
    const { stack } = buildApp(app);
    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    const deployed = Object.values(buckets).map(
      (b) => (b as { Properties: { LifecycleConfiguration: { Rules: unknown[] } } }).Properties.LifecycleConfiguration,
    );

    // Assess
    expect(deployed).toEqual([
      { Rules: backupBucketLifecycle(config.tiers, config.exportStorage).map(asCloudFormation) },
    ]);
  });
});
