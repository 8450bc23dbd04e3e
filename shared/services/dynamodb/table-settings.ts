/**
 * What restoring a DynamoDB table from an export needs of its source (./table-import.ts): its key schema,
 * attribute definitions, billing mode and capacity, global secondary indexes and its own KMS key, as
 * ImportTable's TableCreationParameters take them (an export holds items only, not the table's
 * definition). Read from the DescribeTable answer discovery makes; a leaf, so that the backup driver
 * and the restore drivers both import it. A backup restore needs none of it (the backup carries it).
 */
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';

const keySchema = z
  .array(z.object({ attributeName: z.string().min(1), keyType: z.enum(['HASH', 'RANGE']) }))
  .min(1)
  .max(2);
const capacity = {
  readCapacityUnits: z.number().int().positive().optional(),
  writeCapacityUnits: z.number().int().positive().optional(),
};

export const dynamodbTableRestoreSettingsSchema = z.object({
  keySchema,
  attributeDefinitions: z
    .array(z.object({ attributeName: z.string().min(1), attributeType: z.enum(['S', 'N', 'B']) }))
    .min(1),
  billingMode: z.enum(['PAY_PER_REQUEST', 'PROVISIONED']).default('PAY_PER_REQUEST'),
  ...capacity,
  globalSecondaryIndexes: z
    .array(
      z.object({
        indexName: z.string().min(1),
        keySchema,
        projectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']),
        nonKeyAttributes: z.array(z.string().min(1)).optional(),
        ...capacity,
      }),
    )
    .default([]),
  /**
   * The names of its local secondary indexes. ImportTable cannot create them (TableCreationParameters
   * has none): an export's restore reports them as not restored.
   */
  localSecondaryIndexes: z.array(z.string().min(1)).default([]),
  /** A customer managed key the table was encrypted with (absent: AWS owned key). */
  kmsKeyArn: z.string().min(1).optional(),
});
export type DynamodbTableRestoreSettings = z.infer<typeof dynamodbTableRestoreSettingsSchema>;

const keysOf = (elements: TableDescription['KeySchema']) =>
  (elements ?? []).flatMap((k) =>
    k.AttributeName && (k.KeyType === 'HASH' || k.KeyType === 'RANGE')
      ? [{ attributeName: k.AttributeName, keyType: k.KeyType }]
      : [],
  );

const units = (t: { ReadCapacityUnits?: number; WriteCapacityUnits?: number } | undefined, provisioned: boolean) =>
  provisioned && t?.ReadCapacityUnits && t.WriteCapacityUnits
    ? { readCapacityUnits: t.ReadCapacityUnits, writeCapacityUnits: t.WriteCapacityUnits }
    : {};

/** A table's restore settings from its description; undefined when it names no key (nothing to rebuild from). */
export function dynamodbTableRestoreSettings(table: TableDescription): DynamodbTableRestoreSettings | undefined {
  const keys = keysOf(table.KeySchema);
  if (keys.length === 0) return undefined;
  // A table that never changed billing mode has no summary: it is provisioned.
  const billingMode = table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  return {
    keySchema: keys,
    attributeDefinitions: (table.AttributeDefinitions ?? []).flatMap((a) =>
      a.AttributeName && (a.AttributeType === 'S' || a.AttributeType === 'N' || a.AttributeType === 'B')
        ? [{ attributeName: a.AttributeName, attributeType: a.AttributeType }]
        : [],
    ),
    billingMode,
    ...units(table.ProvisionedThroughput, provisioned),
    globalSecondaryIndexes: (table.GlobalSecondaryIndexes ?? []).flatMap((index) => {
      const type = index.Projection?.ProjectionType;
      if (!index.IndexName || !type) return [];
      return [
        {
          indexName: index.IndexName,
          keySchema: keysOf(index.KeySchema),
          projectionType: type,
          ...(index.Projection?.NonKeyAttributes?.length
            ? { nonKeyAttributes: index.Projection.NonKeyAttributes }
            : {}),
          ...units(index.ProvisionedThroughput, provisioned),
        },
      ];
    }),
    localSecondaryIndexes: (table.LocalSecondaryIndexes ?? []).flatMap((i) => (i.IndexName ? [i.IndexName] : [])),
    ...(table.SSEDescription?.SSEType === 'KMS' && table.SSEDescription.KMSMasterKeyArn
      ? { kmsKeyArn: table.SSEDescription.KMSMasterKeyArn }
      : {}),
  };
}
