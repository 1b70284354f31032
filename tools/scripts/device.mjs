// A minimal JMAP device for trying pushmail by hand: connects over the JMAP WebSocket with a device
// token, enables push and, on every StateChange, fetches what changed and prints it.
//   PUSHMAIL_DEVICE_TOKEN=<device-token> npm run device [-- ws-url]
// The token comes from the environment so that it never appears in a command line or its echo.
// It speaks through the platform's one device client, from libs/jmap as `npm start` builds it.
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../../libs/jmap/dist/index.js', import.meta.url))) {
  console.error('libs/jmap is not built: run `npm run build` (or `npm start`) first');
  process.exit(2);
}
const { DeviceClient, UpgradeRefusedError } = await import('@pushmail/jmap');

const token = process.env.PUSHMAIL_DEVICE_TOKEN;
const [url = 'ws://127.0.0.1:8080/jmap/ws'] = process.argv.slice(2);
if (!token || url === '--help' || url === '-h') {
  console.error('usage: PUSHMAIL_DEVICE_TOKEN=<device-token> npm run device [-- ws://host:8080/jmap/ws]');
  process.exit(token ? 0 : 2);
}

const sessionUrl = url.replace(/^ws/, 'http').replace(/\/jmap\/ws$/, '/.well-known/jmap');
const sessionResponse = await fetch(sessionUrl, { headers: { authorization: `Bearer ${token}` } });
if (!sessionResponse.ok) {
  console.error(`session resource: HTTP ${sessionResponse.status} ${await sessionResponse.text()}`);
  process.exit(1);
}
const session = await sessionResponse.json();
const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
console.log(`session for ${session.username} (account ${accountId})`);

let device;
try {
  device = await DeviceClient.connect(url, { token, keepReceived: false });
} catch (error) {
  console.error(
    error instanceof UpgradeRefusedError ? `connection refused: HTTP ${error.status}` : String(error),
  );
  process.exit(1);
}

const [[, got]] = await device.request([['Email/get', { accountId, ids: [] }, '0']]);
let emailState = got.state;
// Changes are fetched one after the other, so each starts from the state the last one reached.
let fetching = Promise.resolve();
device.onMessage((message) => {
  if (message['@type'] === 'Response' || message['@type'] === 'RequestError') return;
  if (message['@type'] !== 'StateChange') {
    console.log('server:', JSON.stringify({ ...message, _receivedAt: undefined }));
    return;
  }
  console.log(`${new Date().toISOString()} StateChange ${JSON.stringify(message.changed)}`);
  if (!message.changed[accountId]?.Email) return;
  fetching = fetching.then(printNewMail).catch((error) => console.error(`fetch failed: ${error.message}`));
});
device.enablePush();
console.log(`connected; push enabled; waiting for mail (Email state ${emailState})`);

async function printNewMail() {
  const responses = await device.request([
    ['Email/changes', { accountId, sinceState: emailState }, 'c'],
    [
      'Email/get',
      {
        accountId,
        '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
        properties: ['subject', 'from', 'receivedAt', 'preview'],
      },
      'g',
    ],
  ]);
  const [, changes] = responses[0];
  if (changes.newState) emailState = changes.newState;
  for (const email of responses[1][1].list ?? []) {
    const from = (email.from ?? []).map((a) => a.email).join(', ');
    console.log(`  new mail from ${from}: "${email.subject}" — ${email.preview}`);
  }
}

process.on('SIGINT', () => device.close(1000));
const { code, reason } = await device.closed();
console.log(`socket closed: ${code} ${reason}`);
process.exit(code === 1000 ? 0 : 1);
