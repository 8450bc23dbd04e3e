/**
 * One AWS model served by the emulator over the wire on 127.0.0.1 (a free port), with its clock in the
 * test's hands, and one real SDK client pointed at it: the set-up the emulator's protocol tests share.
 *
 *   const emu = useEmulator((config) => new EC2Client(config));
 *   it('...', async () => { emu.model.addVolume(...); await emu.client().send(...); emu.advance(600); });
 */
import { registerAwsServices } from '../../local/emulator';
import { type EmulatorServer, startEmulatorServer } from '../../local/emulator/server';
import { AwsModel } from '../../local/model';

export const EMULATOR_REGION = 'eu-west-1';

export interface ClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export interface Emulator<C> {
  model: AwsModel;
  client(): C;
  now(): Date;
  /** Moves the model's clock on. */
  advance(seconds: number): void;
}

/** Registers beforeAll/afterAll for the file: the server starts once and stops with the file. */
export function useEmulator<C extends { destroy(): void }>(
  makeClient: (config: ClientConfig) => C,
  start = new Date('2026-11-02T10:00:00Z'),
): Emulator<C> {
  let now = start;
  const model = new AwsModel({ clock: { now: () => now }, tokenBuckets: false });
  let server: EmulatorServer | undefined;
  let client: C | undefined;
  beforeAll(async () => {
    server = await startEmulatorServer({ defaultRegion: EMULATOR_REGION });
    registerAwsServices(server, model);
    client = makeClient({
      region: EMULATOR_REGION,
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });
  return {
    model,
    client: () => {
      if (!client) throw new Error('the emulator starts in beforeAll');
      return client;
    },
    now: () => now,
    advance: (seconds) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

/** The service error a call fails with (an instance of the SDK's exception class for the service). */
export async function serviceFailure<E extends Error>(
  call: Promise<unknown>,
  exception: abstract new (...args: never[]) => E,
  service: string,
): Promise<E> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof exception)) throw new Error(`expected ${service} service error, got ${String(error)}`);
  return error;
}
