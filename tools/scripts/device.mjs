// A minimal JMAP device for trying pushmail by hand: connects over the JMAP WebSocket with a device
// token, enables push and, on every StateChange, fetches what changed and prints it.
//   PUSHMAIL_DEVICE_TOKEN=<device-token> npm run device [-- ws-url]
// The token comes from the environment so that it never appears in a command line or its echo.
import WebSocket from 'ws';

const token = process.env.PUSHMAIL_DEVICE_TOKEN;
const [url = 'ws://127.0.0.1:8080/jmap/ws'] = process.argv.slice(2);
if (!token) {
  console.error('usage: PUSHMAIL_DEVICE_TOKEN=<device-token> npm run device [-- ws://host:8080/jmap/ws]');
  process.exit(2);
}

const using = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'];
const sessionUrl = url.replace(/^ws/, 'http').replace(/\/jmap\/ws$/, '/.well-known/jmap');
const sessionResponse = await fetch(sessionUrl, { headers: { authorization: `Bearer ${token}` } });
if (!sessionResponse.ok) {
  console.error(`session resource: HTTP ${sessionResponse.status} ${await sessionResponse.text()}`);
  process.exit(1);
}
const session = await sessionResponse.json();
const accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
console.log(`session for ${session.username} (account ${accountId})`);

const socket = new WebSocket(url, 'jmap', { headers: { authorization: `Bearer ${token}` } });
let emailState;
let counter = 0;
const pending = new Map();

function call(methodCalls) {
  const id = `r${++counter}`;
  socket.send(JSON.stringify({ '@type': 'Request', id, using, methodCalls }));
  return new Promise((resolve) => pending.set(id, resolve));
}

socket.on('open', async () => {
  const [[, got]] = await call([['Email/get', { accountId, ids: [] }, '0']]);
  emailState = got.state;
  socket.send(JSON.stringify({ '@type': 'WebSocketPushEnable', dataTypes: null }));
  console.log(`connected; push enabled; waiting for mail (Email state ${emailState})`);
});

socket.on('message', async (data) => {
  const message = JSON.parse(data.toString());
  if (message['@type'] === 'Response' || message['@type'] === 'RequestError') {
    pending.get(message.requestId)?.(message.methodResponses ?? [['error', message, '']]);
    pending.delete(message.requestId);
    return;
  }
  if (message['@type'] !== 'StateChange') {
    console.log('server:', JSON.stringify(message));
    return;
  }
  console.log(`${new Date().toISOString()} StateChange ${JSON.stringify(message.changed)}`);
  if (!message.changed[accountId]?.Email) return;
  const responses = await call([
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
});

socket.on('unexpected-response', (_request, response) => {
  console.error(`connection refused: HTTP ${response.statusCode}`);
  process.exit(1);
});
socket.on('close', (code, reason) => {
  console.log(`socket closed: ${code} ${reason.toString()}`);
  process.exit(code === 1000 ? 0 : 1);
});
process.on('SIGINT', () => socket.close(1000));
