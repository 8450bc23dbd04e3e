/**
 * Resource references: the small records that travel through the state machine (never full AWS
 * descriptions: DESIGN §9, 256 KiB per payload) and the ARN grammar the pipeline accepts.
 */
import { z } from 'zod';
import { RESOURCE_TYPES, type ResourceType, supportedTypesLabel, TYPE_ENTRIES } from './services/catalog';
import { ALL_MODES } from './services/modes';

export { RESOURCE_TYPES, type ResourceType } from './services/catalog';

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

export type ArnParseResult = { ok: true; ref: ResourceRef } | { ok: false; reason: string };

/** Parses a resource ARN into a reference, or says why it cannot be backed up. */
/** The region an ARN names (`arn:<partition>:<service>:<region>:…`); undefined when it names none. */
export function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

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
  // Every type's ARN pattern, in catalog order (shared/services/catalog.ts).
  for (const candidate of TYPE_ENTRIES) {
    if (candidate.arn.service !== service) continue;
    if (!region || !accountId)
      return { ok: false, reason: `not a valid ARN: ${JSON.stringify(arn)} names no region or account` };
    const idMatch = candidate.arn.resource.exec(resource);
    if (idMatch?.[1]) {
      return { ok: true, ref: { arn, type: candidate.type, region, accountId, id: idMatch[1] } };
    }
  }
  const malformed = malformedId(service, resource);
  if (malformed)
    return {
      ok: false,
      reason: `malformed ${malformed.type} id ${JSON.stringify(malformed.id)} in ${arn}: expected ${malformed.form}`,
    };
  return {
    ok: false,
    reason: `unsupported resource type "${service}:${resource.split(/[:/]/)[0]}" in ${arn} (partition ${partition}); supported: ${supportedTypesLabel()}`,
  };
}

/**
 * A supported type's ARN whose id is wrong (`instance/`, `db:orders１` with a full-width digit): named as
 * such, with the id's form, rather than as an unsupported type the operator did not mean. The type is
 * the one whose resource part starts the same way (`instance/`, `db:`); a further `/` or `:` in what
 * follows makes it another kind of resource (a DynamoDB backup is `table/<name>/backup/<id>`), which
 * stays unsupported.
 */
function malformedId(service: string, resource: string): { type: string; id: string; form: string } | undefined {
  for (const candidate of TYPE_ENTRIES) {
    if (candidate.arn.service !== service) continue;
    // The pattern's fixed lead (`instance/`, `db:`) and the id's form, read from the pattern itself.
    const form = candidate.arn.resource.source.replace(/^\^/, '').replace(/\$$/, '').replace(/\\\//g, '/');
    const lead = /^[a-z-]+[/:]/.exec(form)?.[0];
    if (!lead || !resource.startsWith(lead)) continue;
    const id = resource.slice(lead.length);
    if (/[/:]/.test(id)) return undefined;
    return { type: candidate.type, id, form };
  }
  return undefined;
}

/**
 * The type of a resource a record names: the type recorded with it, else its ARN's (an RDS cluster's ARN
 * reads as Aurora's whatever its engine, so a record written with its type wins); undefined when neither.
 */
export function recordedType(record: { arn: string; type?: ResourceType | undefined }): ResourceType | undefined {
  if (record.type) return record.type;
  const parsed = parseResourceArn(record.arn);
  return parsed.ok ? parsed.ref.type : undefined;
}

export function toRef(arn: string): ResourceRef {
  const parsed = parseResourceArn(arn);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.ref;
}

/** The ARN of a resource of `type` (its service's ARN grammar, shared/services/catalog.ts) in `region`'s partition. */
export function arnOf(type: ResourceType, region: string, accountId: string, id: string): string {
  const entry = TYPE_ENTRIES.find((e) => e.type === type);
  if (!entry) throw new Error(`no ARN grammar for resource type ${type}`);
  return `arn:${partitionOf(region)}:${entry.arn.service}:${region}:${accountId}:${entry.arn.prefix}${id}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
