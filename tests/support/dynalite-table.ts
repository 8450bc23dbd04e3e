/**
 * A real DynamoDB (dynalite, in-process on 127.0.0.1) with the state table, for unit tests of code
 * that reads and writes state. Set AWS_ENDPOINT_URL_DYNAMODB before the code under test makes its
 * clients (shared/clients.ts keys clients by endpoint, so this is enough).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientFor, ensureStateTable, startDynalite } from '../../local/state-table';
import { StateStore } from '../../shared/state-store';

export const TEST_TABLE = 'state-test';

export async function openStateTable(region = 'eu-west-1') {
  const dynamo = await startDynalite();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  const client = dynamoClientFor(dynamo.endpoint, region);
  await ensureStateTable(client, TEST_TABLE);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    store: new StateStore(doc, TEST_TABLE),
    doc,
    async close() {
      client.destroy();
      await dynamo.close();
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    },
  };
}
