/**
 * The emulator's one endpoint (local/emulator/server.ts): requests no registered service answers go
 * through to the proxy (the state table's to dynalite), and are counted by operation on the way, the
 * figures the bench's DynamoDB capacity projection is built on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';

describe('startEmulatorServer (proxy)', () => {
  let upstream: Server;
  let emulator: EmulatorServer;
  const seen: string[] = [];

  beforeAll(async () => {
    // A stand-in upstream that answers every DynamoDB call with an empty JSON body, as GetItem/PutItem allow.
    upstream = createServer((req, res) => {
      seen.push(String(req.headers['x-amz-target']));
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    emulator = await startEmulatorServer({ defaultRegion: 'eu-west-1' });
    emulator.proxy('dynamodb', `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await emulator.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards what no service answers and counts each forwarded call by operation', async () => {
    // Prepare
    const client = new DynamoDBClient({
      endpoint: emulator.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const key = { pk: { S: 'RUN#r' }, sk: { S: 'RUN' } };

    // Act
    await client.send(new PutItemCommand({ TableName: 't', Item: key }));
    await client.send(new PutItemCommand({ TableName: 't', Item: key }));
    await client.send(new GetItemCommand({ TableName: 't', Key: key }));
    client.destroy();

    // Assess
    expect(seen).toEqual(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.PutItem', 'DynamoDB_20120810.GetItem']);
    expect(Object.fromEntries(emulator.proxiedCalls)).toEqual({ 'dynamodb:PutItem': 2, 'dynamodb:GetItem': 1 });
  });
});
