// Accounts and devices, created through device-registry's public API as an administrator and a
// device would. Password hashing (argon2id) dominates, so requests run several at a time.
import { randomBytes } from 'node:crypto';

async function inLanes(items, lanes, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index], index);
      }
    }),
  );
}

async function withRetry(work, attempts = 4) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

/**
 * Creates `accounts` accounts of `devicesPerAccount` devices each. Returns
 * [{ address, password, accountId, devices: [{ deviceId, token }] }].
 */
export async function createAccounts({
  registry,
  domain,
  prefix,
  accounts,
  devicesPerAccount,
  progress,
  label,
  lanes = 8,
}) {
  const tag = randomBytes(3).toString('hex');
  const created = Array.from({ length: accounts }, (_, index) => ({
    address: `${prefix}-${tag}-${index}@${domain}`,
    password: `pw-${randomBytes(12).toString('base64url')}`,
    accountId: null,
    devices: [],
  }));
  const total = accounts * (1 + devicesPerAccount);
  let done = 0;
  progress.start(label, total);
  await inLanes(created, lanes, async (account) => {
    const { accountId } = await withRetry(() => registry.createAccount(account.address, account.password));
    account.accountId = accountId;
    progress.update(++done, `${accounts} accounts × ${devicesPerAccount} devices`);
  });
  // Device by device across the accounts: registrations of one account serialise on its row lock.
  const registrations = Array.from({ length: devicesPerAccount }, (_, index) =>
    created.map((account) => ({ account, deviceId: `dev-${index}` })),
  ).flat();
  await inLanes(registrations, lanes, async ({ account, deviceId }) => {
    const device = await withRetry(() =>
      registry.registerDevice(account.address, account.password, { deviceId }),
    );
    account.devices.push({ deviceId, token: device.token });
    progress.update(++done);
  });
  progress.done();
  return created;
}
