/**
 * The logical IDs of the stack's stateful resources, pinned. CloudFormation replaces a resource whose
 * logical ID changes: for the state table that is every run record lost, for the bucket every
 * DynamoDB export orphaned, for the key and topic every subscription gone. Moving a construct into
 * another scope or renaming its id changes the ID; this test makes that a conscious decision.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/bin/app';

const cdkJson = JSON.parse(readFileSync(`${__dirname}/../../cdk.json`, 'utf8')) as { context: Record<string, unknown> };

/** Type → the logical IDs deployed stacks have. */
const STATEFUL: Record<string, string[]> = {
  'AWS::DynamoDB::GlobalTable': ['StateTable9728C7E5'],
  'AWS::S3::Bucket': ['BackupBucket26B8E51C', 'BackupBucketAccessLogs2CEC997A'],
  'AWS::KMS::Key': ['NotificationsKey74C0825E'],
  'AWS::SNS::Topic': ['Notifications87298708'],
};

describe('BackupPipelineStack logical IDs', () => {
  // Prepare
  const { stack } = buildApp(new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } }));
  const template = Template.fromStack(stack);

  it.each(Object.entries(STATEFUL))('keeps every %s at the logical ID it was deployed with', (type, ids) => {
    // Act
    const found = Object.keys(template.findResources(type)).sort();

    // Assess
    expect(found).toEqual([...ids].sort());
  });

  // The topic holds no data of its own (subscriptions are resources of their own): it may be replaced.
  it.each(['StateTable9728C7E5', 'BackupBucket26B8E51C', 'BackupBucketAccessLogs2CEC997A', 'NotificationsKey74C0825E'])(
    'retains %s when the stack is deleted or the resource replaced',
    (id) => {
      // Act
      const resource = (template.toJSON() as { Resources: Record<string, unknown> }).Resources[id];

      // Assess
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    },
  );
});
