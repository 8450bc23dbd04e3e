/**
 * Resource references: the small records that travel through the state machine (never full AWS
 * descriptions: DESIGN §9, 256 KiB per payload) and the ARN grammar the pipeline accepts.
 */
import { z } from 'zod';
import { ALL_MODES } from './services/modes';

/** Types with a driver: each has one file in shared/drivers and one line in its registry. */
export const RESOURCE_TYPES = [
  'ec2-instance',
  'ebs-volume',
  'rds-instance',
  'aurora-cluster',
  'dynamodb-table',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const resourceRefSchema = z.object({
  arn: z.string(),
  type: z.enum(RESOURCE_TYPES),
  region: z.string(),
  accountId: z.string(),
  id: z.string(),
  /** How it is backed up, for types that offer a choice (shared/services/modes.ts); set by Plan. */
  mode: z.enum(ALL_MODES).optional(),
});
export type ResourceRef = z.infer<typeof resourceRefSchema>;

/** Region and account may be empty (global resources such as S3 buckets); every supported type has both. */
const ARN = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):((?:[a-z]{2}(?:-[a-z]+)+-\d)?):((?:\d{12})?):(.+)$/;

const RESOURCE_PATTERNS: readonly { service: string; pattern: RegExp; type: ResourceType }[] = [
  { service: 'ec2', pattern: /^instance\/(i-[0-9a-f]{8,17})$/, type: 'ec2-instance' },
  { service: 'ec2', pattern: /^volume\/(vol-[0-9a-f]{8,17})$/, type: 'ebs-volume' },
  { service: 'rds', pattern: /^db:([a-zA-Z][a-zA-Z0-9-]{0,62})$/, type: 'rds-instance' },
  { service: 'rds', pattern: /^cluster:([a-zA-Z][a-zA-Z0-9-]{0,62})$/, type: 'aurora-cluster' },
  { service: 'dynamodb', pattern: /^table\/([a-zA-Z0-9_.-]{3,255})$/, type: 'dynamodb-table' },
];

export type ArnParseResult = { ok: true; ref: ResourceRef } | { ok: false; reason: string };

/** Parses a resource ARN into a reference, or says why it cannot be backed up. */
export function parseResourceArn(arn: string): ArnParseResult {
  const match = ARN.exec(arn);
  if (!match) return { ok: false, reason: `not a valid ARN: ${JSON.stringify(arn)}` };
  const [, partition, service, region, accountId, resource] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  for (const candidate of RESOURCE_PATTERNS) {
    if (candidate.service !== service) continue;
    if (!region || !accountId)
      return { ok: false, reason: `not a valid ARN: ${JSON.stringify(arn)} names no region or account` };
    const idMatch = candidate.pattern.exec(resource);
    if (idMatch?.[1]) {
      return { ok: true, ref: { arn, type: candidate.type, region, accountId, id: idMatch[1] } };
    }
  }
  return {
    ok: false,
    reason: `unsupported resource type "${service}:${resource.split(/[:/]/)[0]}" in ${arn} (partition ${partition}); supported: EC2 instances, EBS volumes, RDS DB instances, Aurora DB clusters, DynamoDB tables`,
  };
}

export function ec2InstanceArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:ec2:${region}:${accountId}:instance/${id}`;
}

export function ebsVolumeArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:ec2:${region}:${accountId}:volume/${id}`;
}

export function auroraClusterArn(partition: string, region: string, accountId: string, id: string): string {
  return `arn:${partition}:rds:${region}:${accountId}:cluster:${id}`;
}

export function dynamoTableArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
}

export function toRef(arn: string): ResourceRef {
  const parsed = parseResourceArn(arn);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
