/**
 * A real DynamoDB for tests: dynalite in-process on 127.0.0.1 (random port) with the state table
 * created exactly as the stack deploys it (pk/sk string keys, GSI `byStartedAt` on gsi1pk/startedAt).
 * Code that reads and writes state is tested against it instead of a mocked DynamoDB.
 *
 * It sets AWS_ENDPOINT_URL_DYNAMODB (restored on close), so handlers that build their DynamoDB client
 * through shared/lambda/clients.ts reach it: that factory keys its clients by endpoint, so any client made
 * after the variable is set talks to dynalite. Any layer can reuse it:
 *
 *   const db = useUnitDynalite();            // beforeAll/afterAll registered for the file
 *   it('...', async () => { await db().store.getRun('r'); });
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsModel } from '../../local/model';
import { ensureStateTable, startDynalite } from '../../local/state-table';
import { StateStore } from '../../shared/state/store';
import { wireDynamoControlPlane } from './model-sdk-mocks';

export const UNIT_TABLE = 'backup-pipeline-unit';

export interface UnitDynalite {
  endpoint: string;
  tableName: string;
  region: string;
  client: DynamoDBClient;
  /** Document client as shared/lambda/clients.ts builds it (undefined attributes removed). */
  doc: DynamoDBDocumentClient;
  /** A StateStore on the table (a new one each call; they share the table). */
  store(ttlDays?: number): StateStore;
  /**
   * The estate DynamoDB's control plane answers from (tables to back up, backups, exports): empty
   * unless a test adds to it. dynalite holds only the state table and knows no backups.
   */
  fleet: AwsModel;
  /** Creates another table with the same schema (e.g. to isolate a test), returns its name. */
  createTable(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface UnitDynaliteOptions {
  tableName?: string;
  region?: string;
  /** Point AWS_ENDPOINT_URL_DYNAMODB at the server (default true); restored on close. */
  setEndpointEnv?: boolean;
}

/** The table definition is the sandbox's (local/state-table.ts), the same keys and index the stack deploys. */
async function createStateTable(client: DynamoDBClient, tableName: string): Promise<string> {
  await ensureStateTable(client, tableName);
  return tableName;
}

/** Starts dynalite, creates the state table and (by default) points the SDK's DynamoDB endpoint at it. */
export async function startUnitDynalite(options: UnitDynaliteOptions = {}): Promise<UnitDynalite> {
  const tableName = options.tableName ?? UNIT_TABLE;
  const region = options.region ?? process.env.AWS_REGION ?? 'eu-west-1';
  const server = await startDynalite();
  const { endpoint } = server;
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (options.setEndpointEnv ?? true) process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;

  const fleet = new AwsModel({ clock: { now: () => new Date() }, tokenBuckets: false });
  const restoreControlPlane = wireDynamoControlPlane(fleet);
  const client = new DynamoDBClient({ region, endpoint, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  await createStateTable(client, tableName);

  return {
    endpoint,
    tableName,
    region,
    client,
    doc,
    fleet,
    store: (ttlDays?: number) => new StateStore(doc, tableName, ttlDays),
    createTable: (name: string) => createStateTable(client, name),
    async close() {
      restoreControlPlane();
      client.destroy();
      if (options.setEndpointEnv ?? true) {
        if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
        else process.env.AWS_ENDPOINT_URL_DYNAMODB = previousEndpoint;
      }
      await server.close();
    },
  };
}

/**
 * Registers beforeAll/afterAll for the calling test file and returns an accessor for the running
 * server (valid inside tests and hooks, not at module scope).
 */
export function useUnitDynalite(options: UnitDynaliteOptions = {}): () => UnitDynalite {
  let current: UnitDynalite | undefined;
  beforeAll(async () => {
    current = await startUnitDynalite(options);
  });
  afterAll(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('unit dynalite is not running (use it inside tests or hooks)');
    return current;
  };
}
