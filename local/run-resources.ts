/**
 * What a run needs at its endpoint besides the state table, found or created there the way the stack
 * creates them in AWS: the account (STS GetCallerIdentity, as a deployed Lambda reads it from its
 * context; every ARN the runner builds names it), the notification topic (SNS CreateTopic, which
 * returns the existing topic's ARN), and the backup bucket DynamoDB exports are written to (S3
 * HeadBucket, then CreateBucket and PutBucketLifecycleConfiguration with the rules the stack deploys,
 * so exports age through the same storage classes). The same calls go to the built-in emulator and to any
 * AWS-compatible endpoint, so `--endpoint` needs nothing created beforehand.
 */
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { recoveryBucketName } from '../shared/names';

export interface RunResources {
  accountId: string;
  topicArn: string;
  bucketName: string;
}

/** Names the step that failed, so a user knows what the endpoint lacks. */
export class EndpointSetupError extends Error {
  override name = 'EndpointSetupError';
}

async function step<T>(what: string, endpoint: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; message?: string };
    throw new EndpointSetupError(`${what} at ${endpoint} failed: ${e.name ?? 'Error'}: ${e.message ?? ''}`, {
      cause: error,
    });
  }
}

export async function ensureRunResources(options: {
  endpoint: string;
  region: string;
  topicName: string;
  bucketName: string;
  /** The bucket's lifecycle rules (shared/backup-bucket-lifecycle.ts), put when the bucket is created here. */
  lifecycleRules?: LifecycleRule[];
}): Promise<RunResources> {
  const { endpoint, region, topicName, bucketName, lifecycleRules } = options;
  const config = { endpoint, region, maxAttempts: 3 };
  const sts = new STSClient(config);
  const sns = new SNSClient(config);
  // Path-style: an IP endpoint has no bucket subdomains.
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  try {
    const identity = await step('STS GetCallerIdentity', endpoint, () => sts.send(new GetCallerIdentityCommand({})));
    if (!identity.Account) throw new EndpointSetupError(`STS GetCallerIdentity at ${endpoint} named no account`);
    const topic = await step(`SNS CreateTopic ${topicName}`, endpoint, () =>
      sns.send(new CreateTopicCommand({ Name: topicName })),
    );
    if (!topic.TopicArn) throw new EndpointSetupError(`SNS CreateTopic at ${endpoint} returned no TopicArn`);
    await ensureBucket(s3, endpoint, region, bucketName, lifecycleRules);
    return { accountId: identity.Account, topicArn: topic.TopicArn, bucketName };
  } finally {
    sts.destroy();
    sns.destroy();
    s3.destroy();
  }
}

/** The bucket in its region (HeadBucket, else CreateBucket and its lifecycle rules). */
async function ensureBucket(
  s3: S3Client,
  endpoint: string,
  region: string,
  bucketName: string,
  lifecycleRules: LifecycleRule[] | undefined,
): Promise<void> {
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucketName })).then(
    () => true,
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
      if (error.name === 'NotFound' || error.$metadata?.httpStatusCode === 404) return false;
      throw new EndpointSetupError(`S3 HeadBucket ${bucketName} at ${endpoint} failed: ${String(error.name)}`, {
        cause: error,
      });
    },
  );
  if (!exists)
    await step(`S3 CreateBucket ${bucketName}`, endpoint, () =>
      s3
        .send(
          new CreateBucketCommand({
            Bucket: bucketName,
            // us-east-1 takes no constraint; every other region must be named.
            ...(region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
        )
        // A create whose answer was lost (a 500 the SDK retried) made the bucket: the retry's refusal is ours.
        .catch((error: { name?: string }) => {
          if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
        }),
    );
  if (!exists && lifecycleRules)
    await step(`S3 PutBucketLifecycleConfiguration ${bucketName}`, endpoint, () =>
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucketName,
          LifecycleConfiguration: { Rules: lifecycleRules },
        }),
      ),
    );
}

/**
 * The recovery stacks' buckets (config `recovery`), which DynamoDB exports are copied into: one per
 * recovery region, named by names.ts recoveryBucketName, in its region, with the lifecycle rules the
 * home bucket has (the copies expire as the originals do). What each region's recovery stack deploys.
 */
export async function ensureRecoveryBuckets(options: {
  endpoint: string;
  stackName: string;
  accountId: string;
  regions: readonly string[];
  lifecycleRules?: LifecycleRule[];
}): Promise<string[]> {
  const { endpoint, stackName, accountId, regions, lifecycleRules } = options;
  const names: string[] = [];
  for (const region of regions) {
    const s3 = new S3Client({ endpoint, region, maxAttempts: 3, forcePathStyle: true });
    try {
      const name = recoveryBucketName(stackName, accountId, region);
      await ensureBucket(s3, endpoint, region, name, lifecycleRules);
      names.push(name);
    } finally {
      s3.destroy();
    }
  }
  return names;
}
