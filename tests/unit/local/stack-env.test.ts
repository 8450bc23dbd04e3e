/**
 * One process runs every stack's handlers in the sandbox: each invocation of a recovery stack's Lambda
 * gets that stack's environment, and two stacks' Lambdas running at once fail loudly (local/stack-env.ts).
 */
import { enterEnv } from '../../../local/stack-env';

describe('enterEnv', () => {
  const saved = process.env.AWS_REGION;
  afterEach(() => {
    process.env.AWS_REGION = saved;
  });

  it("sets the stack's environment for its invocations, and refuses another stack's while one runs", () => {
    // Act
    const leaveHome = enterEnv({ AWS_REGION: 'eu-west-1' });
    const alsoHome = enterEnv({ AWS_REGION: 'eu-west-1' });
    const overlap = () => enterEnv({ AWS_REGION: 'us-west-2' });
    const regionWhileHome = process.env.AWS_REGION;
    leaveHome();
    const stillRefused = (() => {
      try {
        overlap();
        return false;
      } catch {
        return true;
      }
    })();
    alsoHome();
    const leaveDr = enterEnv({ AWS_REGION: 'us-west-2' });
    const regionInDr = process.env.AWS_REGION;
    leaveDr();

    // Assess
    expect(regionWhileHome).toBe('eu-west-1');
    expect(stillRefused).toBe(true);
    expect(regionInDr).toBe('us-west-2');
  });
});
