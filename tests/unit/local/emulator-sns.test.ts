/**
 * The emulator's SNS wire protocol through the real SNSClient (Publish with subject and message
 * attributes landing in the model), and the protocol envelope itself as AWS writes it: namespaced
 * response elements, request ids, the two error documents, MissingAction/InvalidAction for requests
 * the emulator does not answer, and a 5xx (not a dropped connection) when the emulator itself fails.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { XMLParser } from 'fast-xml-parser';
import { registerAwsServices } from '../../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../../local/emulator/server';
import { AwsModel } from '../../../local/model';

const REGION = 'eu-west-1';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:backup-pipeline-notifications';
const model = new AwsModel({ clock: { now: () => new Date('2026-11-02T10:00:00Z') }, tokenBuckets: false });
let server: EmulatorServer;
let sns: SNSClient;

beforeAll(async () => {
  server = await startEmulatorServer({ defaultRegion: REGION });
  registerAwsServices(server, model);
  sns = new SNSClient({
    region: REGION,
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await sns.send(new CreateTopicCommand({ Name: 'backup-pipeline-notifications' }));
});
afterAll(async () => {
  sns.destroy();
  await server.close();
});

async function failure(call: Promise<unknown>): Promise<SNSServiceException> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SNSServiceException)) throw new Error(`expected an SNS service error, got ${String(error)}`);
  return error;
}

/** A Query request as the SDK sends it, minus the signature (the emulator routes on the credential scope). */
async function rawQuery(service: string, body: string) {
  const response = await fetch(server.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20261102/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  return { status: response.status, xml: new XMLParser({ ignoreAttributes: false }).parse(await response.text()) };
}

describe('SNS CreateTopic over the wire', () => {
  it('names the topic under the model account, and returns the same ARN when it exists', async () => {
    // Act
    const again = await sns.send(new CreateTopicCommand({ Name: 'backup-pipeline-notifications' }));

    // Assess
    expect(again.TopicArn).toBe(TOPIC);
    expect([...model.topics]).toEqual([TOPIC]);
  });

  it('refuses a Publish to a topic nothing created with NotFound, as SNS does', async () => {
    // Act
    const error = await failure(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:nobody-made-me', Message: 'm' })),
    );

    // Assess
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['NotFoundException', 404]);
  });
});

describe('SNS Publish over the wire', () => {
  it('lands the message, subject and topic in the model and returns a MessageId', async () => {
    // Act
    const out = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'backup-pipeline daily: 3 completed, 1 failed',
        Message: JSON.stringify({ runId: 'daily-1', failed: 1 }),
        MessageAttributes: { tier: { DataType: 'String', StringValue: 'daily' } },
      }),
    );

    // Assess
    expect(out.MessageId).toEqual(expect.any(String));
    expect(model.sns.at(-1)).toEqual({
      TopicArn: TOPIC,
      Subject: 'backup-pipeline daily: 3 completed, 1 failed',
      Message: '{"runId":"daily-1","failed":1}',
      at: '2026-11-02T10:00:00.000Z',
    });
  });

  it('refuses a subject of 100 characters or more, or with a non-ASCII or control character', async () => {
    // Act
    const refused = await Promise.all(
      ['x'.repeat(100), 'données', 'two\nlines', ' leading space'].map((Subject) =>
        failure(sns.send(new PublishCommand({ TopicArn: TOPIC, Subject, Message: 'm' }))),
      ),
    );
    const taken = await sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'x'.repeat(99), Message: 'm' }));

    // Assess
    expect(refused.map((e) => e.name)).toEqual(Array(4).fill('InvalidParameterException'));
    expect(taken.MessageId).toBeDefined();
  });

  it('surfaces InvalidParameter as the SDK exception InvalidParameterException', async () => {
    // Act
    const error = await failure(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'x'.repeat(101), Message: 'm' })),
    );

    // Assess
    expect([error.name, error.$metadata.httpStatusCode, error.$fault]).toEqual([
      'InvalidParameterException',
      400,
      'client',
    ]);
  });

  it('refuses a message whose body and attributes exceed 256 KiB with "Message too long", as SNS does', async () => {
    // Prepare: 256 KiB exactly fits; one byte more (in the body or an attribute) does not
    const attributes = { tier: { DataType: 'String', StringValue: 'daily' } };
    const attributeBytes = 'tier'.length + 'String'.length + 'daily'.length;
    const fits = 'x'.repeat(262_144 - attributeBytes);

    // Act
    const accepted = await sns.send(
      new PublishCommand({ TopicArn: TOPIC, Message: fits, MessageAttributes: attributes }),
    );
    const tooLong = await failure(
      sns.send(new PublishCommand({ TopicArn: TOPIC, Message: `${fits}x`, MessageAttributes: attributes })),
    );
    const multiByte = await failure(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'é'.repeat(131_073) })));

    // Assess
    expect(accepted.MessageId).toEqual(expect.any(String));
    expect([tooLong.name, tooLong.$metadata.httpStatusCode, tooLong.message]).toEqual([
      'InvalidParameterException',
      400,
      'Invalid parameter: Message too long',
    ]);
    expect(multiByte.message).toBe('Invalid parameter: Message too long');
  });

  it('answers a failure inside the emulator with a 5xx AWS error the SDK parses', async () => {
    // Prepare
    const publish = jest.spyOn(model, 'publish').mockImplementation(() => {
      throw new TypeError('model exploded');
    });

    // Act
    const error = await failure(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).finally(() =>
      publish.mockRestore(),
    );

    // Assess
    expect([error.name, error.$metadata.httpStatusCode, error.$fault]).toEqual(['InternalFailure', 500, 'server']);
    expect(error.message).toContain('model exploded');
  });
});

describe('Query protocol envelope', () => {
  it('writes EC2 responses under the EC2 namespace with a requestId, and awsQuery ones with Result and ResponseMetadata', async () => {
    // Act
    const ec2 = await rawQuery('ec2', 'Action=DescribeInstances&Version=2016-11-15');
    const rds = await rawQuery('rds', 'Action=DescribeDBInstances&Version=2014-10-31');
    const sns = await rawQuery('sns', `Action=Publish&Version=2010-03-31&TopicArn=${TOPIC}&Message=raw`);

    // Assess
    expect(ec2.status).toBe(200);
    expect(ec2.xml.DescribeInstancesResponse['@_xmlns']).toBe('http://ec2.amazonaws.com/doc/2016-11-15/');
    expect(ec2.xml.DescribeInstancesResponse.requestId).toEqual(expect.any(String));
    expect(rds.xml.DescribeDBInstancesResponse['@_xmlns']).toBe('http://rds.amazonaws.com/doc/2014-10-31/');
    expect(rds.xml.DescribeDBInstancesResponse.ResponseMetadata.RequestId).toEqual(expect.any(String));
    expect(sns.xml.PublishResponse['@_xmlns']).toBe('http://sns.amazonaws.com/doc/2010-03-31/');
    expect(sns.xml.PublishResponse.PublishResult.MessageId).toEqual(expect.any(String));
  });

  it('writes EC2 errors as Response/Errors/Error and awsQuery errors as ErrorResponse with a Type', async () => {
    // Act
    const ec2 = await rawQuery('ec2', 'Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0');
    const rds = await rawQuery('rds', 'Action=DescribeDBSnapshots&DBSnapshotIdentifier=missing');

    // Assess
    expect(ec2.status).toBe(400);
    expect(ec2.xml.Response.Errors.Error.Code).toBe('InvalidInstanceID.NotFound');
    expect(ec2.xml.Response.RequestID).toEqual(expect.any(String));
    expect(rds.status).toBe(404);
    expect(rds.xml.ErrorResponse.Error).toEqual({
      Type: 'Sender',
      Code: 'DBSnapshotNotFound',
      Message: 'DBSnapshot missing not found.',
    });
    expect(rds.xml.ErrorResponse.RequestId).toEqual(expect.any(String));
  });

  it.each([
    ['ec2', 'Action=LaunchRockets', 'InvalidAction', 'LaunchRockets'],
    ['sns', 'Action=Subscribe&TopicArn=t&Protocol=email', 'InvalidAction', 'Subscribe'],
    ['rds', 'Version=2014-10-31', 'MissingAction', 'Action'],
  ])('answers %s %s with %s', async (service, body, code, named) => {
    // Act
    const { status, xml } = await rawQuery(service, body);

    // Assess
    const error = service === 'ec2' ? xml.Response.Errors.Error : xml.ErrorResponse.Error;
    expect([status, error.Code]).toEqual([400, code]);
    expect(error.Message).toContain(named);
  });
});
