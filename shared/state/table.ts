/**
 * DynamoDB mechanics of the state table, apart from what its items mean (./store.ts): update
 * expressions built from plain fields, conditional-check failures told apart from errors, and a
 * Query followed page by page.
 */
import { ConditionalCheckFailedException, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { aws, propertyOf, rethrowAws } from '../errors';
import type { ItemKey } from './records';

/** `SET #a = :a, #b = :b` for the defined fields, adding their names and values to the maps given. */
export function setClause(
  fields: Record<string, unknown>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      return `#${k} = :${k}`;
    });
  return parts.length > 0 ? `SET ${parts.join(', ')}` : '';
}

/**
 * When the state table was created: the pipeline's deploy (a redeploy keeps the table), from which a
 * tier that never succeeded is measured. Undefined when DescribeTable does not say.
 */
export async function tableCreatedAt(dynamo: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const out = await aws('DynamoDB DescribeTable (state table)', () =>
    dynamo.send(new DescribeTableCommand({ TableName: tableName })),
  );
  return out.Table?.CreationDateTime?.toISOString();
}

export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || propertyOf(error, 'name') === 'ConditionalCheckFailedException'
  );
}

/** A Query's parameters other than the table and the page's start key. */
export type QueryParams = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** A Query's items page by page; `params` is asked again for each page (listRuns shrinks its Limit). */
export async function* queryPages(
  doc: DynamoDBDocumentClient,
  tableName: string,
  context: string,
  params: () => QueryParams,
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await aws(context, () =>
      doc.send(new QueryCommand({ TableName: tableName, ...params(), ExclusiveStartKey: startKey })),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

export interface UpdateExtra {
  condition?: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  add?: string;
  /** Further SET actions that are expressions, not plain values (e.g. list_append). */
  setExpressions?: string[];
  /** Paths to REMOVE. */
  remove?: string;
}

/**
 * Updates an item that exists (SET the defined `set` fields, plus `extra`), under `extra.condition`.
 * Returns the item as written (ALL_NEW, unparsed: the callers that use it parse it), or
 * 'condition-failed'; other errors are mapped as `aws` maps them, under `context`.
 */
export async function updateItem(
  doc: DynamoDBDocumentClient,
  tableName: string,
  context: string,
  key: ItemKey,
  set: Record<string, unknown>,
  extra: UpdateExtra = {},
): Promise<Record<string, unknown> | 'condition-failed'> {
  const names: Record<string, string> = { ...extra.names };
  const values: Record<string, unknown> = { ...extra.values };
  let expression = setClause(set, names, values);
  if (extra.setExpressions?.length)
    expression = `${expression ? `${expression}, ` : 'SET '}${extra.setExpressions.join(', ')}`;
  if (extra.add) expression += ` ADD ${extra.add}`;
  if (extra.remove) expression += ` REMOVE ${extra.remove}`;
  try {
    const out = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: expression,
        ConditionExpression: ['attribute_exists(pk)', extra.condition].filter(Boolean).join(' AND '),
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ?? {};
  } catch (error) {
    if (isConditionFailure(error)) return 'condition-failed';
    rethrowAws(context, error);
  }
}
