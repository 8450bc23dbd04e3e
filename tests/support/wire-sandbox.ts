/**
 * A sandbox over the wire, as `npm start` runs it (local/sandbox.ts), for one test: started with no fleet
 * unless the options give one, and always closed.
 */
import { type Sandbox, startSandbox } from '../../local/sandbox';

export async function withSandbox<T>(
  options: Parameters<typeof startSandbox>[0],
  use: (s: Sandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandbox({ fleet: { kind: 'none' }, ...options });
  try {
    return await use(sandbox);
  } finally {
    await sandbox.close();
  }
}
