import { describe, expect, it } from 'vitest';
import { chooseRuntime } from './start-pushmail.js';

const engine = (answer: boolean) => {
  const asked = { count: 0 };
  return {
    asked,
    dockerEngineReachable: async () => {
      asked.count += 1;
      return answer;
    },
  };
};

describe(chooseRuntime.name, () => {
  it('runs containers when a Docker engine answers and nothing else decides', async () => {
    const docker = engine(true);
    await expect(chooseRuntime({ variable: undefined, ...docker })).resolves.toEqual({
      runtime: 'containers',
      reason: 'a Docker engine answers',
    });
    expect(docker.asked.count).toBe(1);
  });

  it('runs local processes when no Docker engine answers', async () => {
    await expect(chooseRuntime({ variable: undefined, ...engine(false) })).resolves.toMatchObject({
      runtime: 'processes',
    });
  });

  it('follows PUSHMAIL_TEST_RUNTIME over the engine, without asking it', async () => {
    const docker = engine(true);
    await expect(chooseRuntime({ variable: 'processes', ...docker })).resolves.toEqual({
      runtime: 'processes',
      reason: 'PUSHMAIL_TEST_RUNTIME=processes',
    });
    const none = engine(false);
    await expect(chooseRuntime({ variable: 'containers', ...none })).resolves.toMatchObject({
      runtime: 'containers',
    });
    expect(docker.asked.count + none.asked.count).toBe(0);
  });

  it('follows PUSHMAIL_TEST_RUNTIME over what the caller asked for', async () => {
    await expect(
      chooseRuntime({ variable: 'containers', requested: 'processes', ...engine(false) }),
    ).resolves.toMatchObject({ runtime: 'containers' });
  });

  it('follows the caller when the variable is unset or blank, without asking the engine', async () => {
    const docker = engine(true);
    await expect(chooseRuntime({ variable: '  ', requested: 'processes', ...docker })).resolves.toEqual({
      runtime: 'processes',
      reason: 'asked for by the caller',
    });
    expect(docker.asked.count).toBe(0);
  });

  it('refuses an unknown runtime, naming the variable and the values it takes', async () => {
    await expect(chooseRuntime({ variable: 'docker', ...engine(true) })).rejects.toThrow(
      'PUSHMAIL_TEST_RUNTIME must be one of containers, processes, not "docker"',
    );
    await expect(chooseRuntime({ variable: undefined, requested: 'vm', ...engine(true) })).rejects.toThrow(
      'the runtime option must be one of containers, processes, not "vm"',
    );
  });
});
