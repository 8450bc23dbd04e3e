/**
 * The sandbox's state table (dynalite) closes at once, whatever its clients are doing: a request still in
 * flight when the sandbox closes (a stopped execution's Lambda mid-call) must not hold the server open for
 * its keep-alive time (10 minutes), which once hung a CI run's `sandbox.close()` past the test's timeout.
 */
import { connect, type Socket } from 'node:net';
import { startDynalite } from '../../../local/state-table';

jest.setTimeout(20_000);

const connected = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });

describe('startDynalite().close()', () => {
  it('answers a request still arriving, then ends its connection instead of waiting for its keep-alive', async () => {
    // Prepare: a client mid-request (headers sent, body not yet), so the connection is not idle at close.
    const table = await startDynalite();
    const socket = await connected(Number(new URL(table.endpoint).port));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nContent-Type: application/x-amz-json-1.0\r\n' +
        'X-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20261208T000000Z\r\n' +
        'Authorization: AWS4-HMAC-SHA256 Credential=local/20261208/eu-west-1/dynamodb/aws4_request, ' +
        'SignedHeaders=host, Signature=0\r\nContent-Length: 2\r\n\r\n',
    );
    await new Promise((r) => setImmediate(r));

    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });

    // Act
    const closed = table.close();
    socket.write('{}');

    // Assess: the request in flight is answered (dynalite's database closes with the server: cutting the
    // connection instead threw "Database is closed" into whatever ran next), then both settle (the jest
    // timeout is the bound; before, close() waited out the 10-minute keep-alive).
    await closed;
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('"TableNames"');
  });
});
