/**
 * The state table, locally: dynalite (a real DynamoDB implementation, in-process) on 127.0.0.1, and
 * the table definition the CDK stack deploys (keys, GSI). TTL is not set up: dynalite does not
 * implement UpdateTimeToLive and nothing local lives long enough to expire.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { RUNS_INDEX } from '../shared/state/store';

// dynalite ships no types; this is the part of its API used here.
type DynaliteServer = {
  listen(port: number, host: string, cb: (err?: Error) => void): void;
  close(cb: () => void): void;
  closeIdleConnections(): void;
  address(): AddressInfo;
  keepAliveTimeout: number;
  on(event: 'error', cb: (err: Error) => void): void;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => DynaliteServer;

export interface LocalStateTable {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Node's HTTP server closes a keep-alive socket idle for 5 s, and a client that reuses it at that moment gets
 * ECONNRESET: a race a loaded machine loses (a unit test with the SDK's retries off failed so). DynamoDB's
 * endpoints keep idle connections far longer; dynalite is told to as well. Closing it ends every connection.
 */
const DYNALITE_KEEP_ALIVE_MS = 10 * 60_000;

export async function startDynalite(port = 0): Promise<LocalStateTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.keepAliveTimeout = DYNALITE_KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', (err) => (err ? reject(err) : resolve()));
  });
  const address = server.address();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    // Node's close() ends only the connections idle at that moment. One whose request is still in flight (a
    // stopped execution's Lambda mid-call) must be answered first, since dynalite closes its database once the
    // server closes ("Database is closed" thrown at the request), and then ended as soon as it is idle, not
    // after its 10-minute keep-alive.
    close: () =>
      new Promise<void>((resolve) => {
        const idle = setInterval(() => server.closeIdleConnections(), 20);
        server.close(() => {
          clearInterval(idle);
          resolve();
        });
      }),
  };
}

/** Creates the state table (same keys and index as infra) unless it exists. */
export async function ensureStateTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'exists'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'exists';
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && (error as Error).name !== 'ResourceNotFoundException')
      throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'startedAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: RUNS_INDEX,
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'startedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return 'created';
}

/**
 * The service name the state table's requests are signed for (SigV4 scope): it is a DynamoDB table, so
 * one endpoint tells its calls from the emulated services' by this name and the table they name.
 */
export const STATE_TABLE_SIGNING_NAME = 'dynamodb';

/** What DynamoDB answers for the table in a region it has no replica in (the emulator's proxy answers it). */
export const STATE_TABLE_NOT_THERE = {
  status: 400,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
    message: 'Requested resource not found',
  }),
};

export function stateTableClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}
