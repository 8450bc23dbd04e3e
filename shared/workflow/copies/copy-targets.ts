/**
 * Copy targets (`copyTo`) checked at Plan, so a bad region or key fails the run before anything is
 * created instead of a copy failing hours later:
 * - the region must be enabled in the account (EC2 DescribeRegions);
 * - a KMS key, when given, must exist in that region (KMS DescribeKey; aliases resolve to the key ARN);
 * - an encrypted RDS or Aurora source can be copied across regions only with a key of the
 *   destination, so a target without one is refused when the run selects such a source in another
 *   region. A target may be one of the sources' own regions (several regions are configured): those
 *   sources' copies there are SKIPPED with a note by Start copies, the others are copied.
 * Problems are returned (not thrown) so Plan can name every bad field at once.
 */
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { aws, awsErrorName, rethrowAws } from '../../errors';
import { kmsClient } from '../../lambda/clients';
import { ec2Client } from '../../services/ec2/client';
import type { CopyTarget } from '../../state/backup-state';

/** A selected source whose backups are encrypted, and where it is: only other regions need a key. */
export interface EncryptedSource {
  arn: string;
  region: string;
}

export interface CopyTargetCheck {
  targets: CopyTarget[];
  problems: { field: string; message: string }[];
}

export async function checkCopyTargets(
  copyTo: readonly CopyTarget[],
  context: { homeRegion: string; encryptedSources: readonly EncryptedSource[] },
): Promise<CopyTargetCheck> {
  if (copyTo.length === 0) return { targets: [], problems: [] };
  const problems: CopyTargetCheck['problems'] = [];
  const out = await aws('EC2 DescribeRegions', () =>
    ec2Client(context.homeRegion).send(new DescribeRegionsCommand({ AllRegions: false })),
  );
  const enabled = new Set((out.Regions ?? []).map((r) => r.RegionName));
  const targets: CopyTarget[] = [];
  for (const [index, target] of copyTo.entries()) {
    if (!enabled.has(target.region)) {
      problems.push({
        field: `copyTo.${index}.region`,
        message: `${target.region} is not a region enabled in this account (enabled: ${[...enabled].sort().join(', ')})`,
      });
      continue;
    }
    if (!target.kmsKeyId) {
      // A source in the target's own region is not copied there, so it needs no key of that region.
      const needKey = context.encryptedSources.filter((s) => s.region !== target.region).map((s) => s.arn);
      if (needKey.length > 0) {
        problems.push({
          field: `copyTo.${index}.kmsKeyId`,
          message: `required: ${needKey[0]}${needKey.length > 1 ? ` and ${needKey.length - 1} more` : ''} is encrypted, and RDS copies an encrypted snapshot to another region only with a key of that region`,
        });
        continue;
      }
      targets.push({ region: target.region, ...(target.optionGroups ? { optionGroups: target.optionGroups } : {}) });
      continue;
    }
    try {
      const key = await kmsClient(target.region).send(new DescribeKeyCommand({ KeyId: target.kmsKeyId }));
      const metadata = key.KeyMetadata;
      if (!metadata?.Arn || metadata.Enabled === false) {
        problems.push({
          field: `copyTo.${index}.kmsKeyId`,
          message: `KMS key ${target.kmsKeyId} in ${target.region} is ${metadata?.KeyState ?? 'not usable'}`,
        });
        continue;
      }
      targets.push({
        region: target.region,
        kmsKeyId: metadata.Arn,
        ...(target.optionGroups ? { optionGroups: target.optionGroups } : {}),
      });
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') {
        problems.push({
          field: `copyTo.${index}.kmsKeyId`,
          message: `KMS key ${target.kmsKeyId} does not exist in ${target.region}`,
        });
        continue;
      }
      rethrowAws(`KMS DescribeKey ${target.kmsKeyId} in ${target.region}`, error);
    }
  }
  return { targets, problems };
}
