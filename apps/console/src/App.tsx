import { type FormEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import {
  type AccessRule,
  type Account,
  api,
  type Device,
  type Diagnosis,
  type LiveCounters,
  type Policy,
  type SelfTestReport,
  storedToken,
  storeToken,
  type TrailRecord,
  Unauthorized,
} from './api.js';

type View = 'devices' | 'findings' | 'quarantine' | 'rules' | 'selftest' | 'live';

const VIEWS: { id: View; label: string }[] = [
  { id: 'devices', label: 'Accounts and devices' },
  { id: 'findings', label: 'Findings' },
  { id: 'quarantine', label: 'Quarantine' },
  { id: 'rules', label: 'Access rules and policies' },
  { id: 'selftest', label: 'Self-test' },
  { id: 'live', label: 'Live counters' },
];

export function App() {
  const [token, setToken] = useState<string | null>(storedToken());
  const [view, setView] = useState<View>('devices');
  const signOut = useCallback(() => {
    storeToken(null);
    setToken(null);
  }, []);

  if (!token) return <Login onSignedIn={setToken} />;
  return (
    <>
      <header>
        <h1>pushmail console</h1>
        <nav aria-label="Sections">
          <ul>
            {VIEWS.map((entry) => (
              <li key={entry.id}>
                <button
                  type="button"
                  aria-current={view === entry.id ? 'page' : undefined}
                  onClick={() => setView(entry.id)}
                >
                  {entry.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" onClick={signOut} style={{ marginLeft: 'auto' }}>
          Sign out
        </button>
      </header>
      <main>
        <Guard onUnauthorized={signOut} key={view}>
          {(run) =>
            view === 'devices' ? (
              <DevicesView run={run} />
            ) : view === 'findings' ? (
              <FindingsView run={run} />
            ) : view === 'quarantine' ? (
              <QuarantineView run={run} />
            ) : view === 'rules' ? (
              <RulesView run={run} />
            ) : view === 'selftest' ? (
              <SelfTestView run={run} />
            ) : (
              <LiveView run={run} />
            )
          }
        </Guard>
      </main>
    </>
  );
}

/** Runs an API call; a refused token signs out, any other failure is shown. */
type Run = <T>(call: () => Promise<T>) => Promise<T | undefined>;

function Guard({
  onUnauthorized,
  children,
}: {
  onUnauthorized: () => void;
  children: (run: Run) => ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const run = useCallback<Run>(
    async (call) => {
      try {
        setError(null);
        return await call();
      } catch (failure) {
        if (failure instanceof Unauthorized) onUnauthorized();
        else setError(failure instanceof Error ? failure.message : String(failure));
        return undefined;
      }
    },
    [onUnauthorized],
  );
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {children(run)}
    </>
  );
}

function Login({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get('token') ?? '').trim();
    setBusy(true);
    try {
      await api('GET', '/admin/settings', undefined, token);
      storeToken(token);
      onSignedIn(token);
    } catch (failure) {
      setError(failure instanceof Unauthorized ? 'That admin token was refused.' : String(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="login">
      <h1>pushmail console</h1>
      <form onSubmit={submit}>
        <label>
          Admin token
          <input name="token" type="password" autoComplete="current-password" required autoFocus />
        </label>
        <p className="muted">Kept for this browser tab only.</p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

function DevicesView({ run }: { run: Run }) {
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [selected, setSelected] = useState<Account | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [diagnoses, setDiagnoses] = useState<Map<string, Diagnosis>>(new Map());
  const [timelineOf, setTimelineOf] = useState<Device | null>(null);
  const [wipeOf, setWipeOf] = useState<Device | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  useEffect(() => {
    void run(() => api<{ accounts: Account[] }>('GET', '/admin/accounts?limit=200')).then(
      (page) => page && setAccounts(page.accounts),
    );
  }, [run]);

  const load = useCallback(
    async (account: Account) => {
      setSelected(account);
      setTimelineOf(null);
      const [list, findings] = await Promise.all([
        run(() => api<{ devices: Device[] }>('GET', `/admin/accounts/${account.accountId}/devices`)),
        run(() => api<{ devices: Diagnosis[] }>('GET', `/admin/accounts/${account.accountId}/findings`)),
      ]);
      setDevices(list?.devices ?? []);
      setDiagnoses(new Map((findings?.devices ?? []).map((diagnosis) => [diagnosis.deviceId, diagnosis])));
    },
    [run],
  );

  async function wipe(device: Device, kind: 'full' | 'account') {
    const done = await run(() =>
      api('POST', `/admin/accounts/${device.accountId}/devices/${encodeURIComponent(device.deviceId)}/wipe`, {
        kind,
        requestedBy: 'console',
      }),
    );
    setWipeOf(null);
    if (done !== undefined) {
      setMessage(
        `A ${kind} wipe of ${device.deviceId} was requested; it runs when the device next connects.`,
      );
      if (selected) await load(selected);
    }
  }

  return (
    <>
      <h2>Accounts</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">Status</th>
            <th scope="col">Devices</th>
            <th scope="col">Locked until</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.accountId}>
              <td>{account.address}</td>
              <td>{account.status}</td>
              <td>{account.deviceCount}</td>
              <td>{account.lockedUntil ? when(account.lockedUntil) : ''}</td>
              <td>
                <button
                  type="button"
                  onClick={() => void load(account)}
                  aria-label={`Show devices of ${account.address}`}
                >
                  Devices
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {message && <p role="status">{message}</p>}
      {selected && (
        <section aria-labelledby="devices-heading">
          <h2 id="devices-heading">Devices of {selected.address}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Status</th>
                <th scope="col">Access</th>
                <th scope="col">Last sync</th>
                <th scope="col">Findings</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((device) => {
                const diagnosis = diagnoses.get(device.deviceId);
                return (
                  <tr key={device.deviceId}>
                    <td>
                      {device.deviceId}
                      <div className="muted">
                        {device.deviceType} {device.model}
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={diagnosis?.status ?? 'ok'} />
                    </td>
                    <td>
                      {device.status === 'wiped' ? 'wiped' : device.access}
                      {device.pendingWipe && (
                        <div className="muted">{device.pendingWipe.kind} wipe pending</div>
                      )}
                    </td>
                    <td>{when(device.lastSyncAt)}</td>
                    <td>
                      <FindingList diagnosis={diagnosis} />
                    </td>
                    <td>
                      <button
                        type="button"
                        onClick={() => setTimelineOf(device)}
                        aria-label={`Timeline of ${device.deviceId}`}
                      >
                        Timeline
                      </button>{' '}
                      <button
                        type="button"
                        className="danger"
                        disabled={device.status === 'wiped' || device.pendingWipe !== null}
                        onClick={() => setWipeOf(device)}
                        aria-label={`Wipe ${device.deviceId}`}
                      >
                        Wipe…
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      {timelineOf && <Timeline run={run} device={timelineOf} />}
      {wipeOf && (
        <WipeDialog
          device={wipeOf}
          onCancel={() => setWipeOf(null)}
          onConfirm={(kind) => void wipe(wipeOf, kind)}
        />
      )}
    </>
  );
}

function FindingList({ diagnosis }: { diagnosis: Diagnosis | undefined }) {
  if (!diagnosis || diagnosis.findings.length === 0) return <span className="muted">none</span>;
  return (
    <ul>
      {diagnosis.findings.map((finding) => (
        <li key={finding.code}>
          <details>
            <summary>
              <StatusBadge status={finding.severity} /> {finding.title}
            </summary>
            <p>
              <strong>Fix:</strong> {finding.fix}
            </p>
            <pre>{JSON.stringify(finding.evidence, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ul>
  );
}

function WipeDialog({
  device,
  onCancel,
  onConfirm,
}: {
  device: Device;
  onCancel: () => void;
  onConfirm: (kind: 'full' | 'account') => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<'full' | 'account'>('account');
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby="wipe-title" onCancel={onCancel}>
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm(kind);
        }}
      >
        <h2 id="wipe-title">Wipe {device.deviceId}?</h2>
        <p>
          The device of {device.address} is told to erase data the next time it connects. This cannot be
          undone once the device confirms.
        </p>
        <fieldset>
          <legend>What to erase</legend>
          <label style={{ flexDirection: 'row' }}>
            <input
              type="radio"
              name="kind"
              value="account"
              checked={kind === 'account'}
              onChange={() => setKind('account')}
            />
            Only this account&apos;s data
          </label>
          <label style={{ flexDirection: 'row' }}>
            <input
              type="radio"
              name="kind"
              value="full"
              checked={kind === 'full'}
              onChange={() => setKind('full')}
            />
            The whole device (factory reset)
          </label>
        </fieldset>
        <p>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>{' '}
          <button type="submit" className="danger">
            Confirm wipe
          </button>
        </p>
      </form>
    </dialog>
  );
}

function Timeline({ run, device }: { run: Run; device: Device }) {
  const [records, setRecords] = useState<TrailRecord[] | null>(null);
  useEffect(() => {
    void run(() =>
      api<{ records: TrailRecord[] }>(
        'GET',
        `/admin/accounts/${device.accountId}/devices/${encodeURIComponent(device.deviceId)}/trail?limit=200`,
      ),
    ).then((result) => setRecords(result?.records ?? []));
  }, [run, device]);
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline of {device.deviceId}</h2>
      {records === null ? (
        <p>Loading…</p>
      ) : records.length === 0 ? (
        <p className="muted">Nothing recorded in the retention window.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr key={record.id}>
                <td>{when(record.at)}</td>
                <td>
                  {record.kind}
                  {record.count ? ` ×${record.count}` : ''}
                </td>
                <td>{describe(record)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function describe(record: TrailRecord): string {
  if (record.detail) return record.detail;
  if (record.request)
    return `${record.request.methods.join(', ')}: ${record.request.ok ? 'ok' : (record.request.error ?? 'failed')} in ${record.request.durationMs} ms`;
  if (record.auth) return `${record.auth.status} ${record.auth.reason}`;
  return '';
}

function FindingsView({ run }: { run: Run }) {
  const [minimum, setMinimum] = useState<'info' | 'warning' | 'error'>('info');
  const [result, setResult] = useState<{ devices: Diagnosis[]; examined: number } | null>(null);
  useEffect(() => {
    void run(() =>
      api<{ devices: Diagnosis[]; examined: number }>('GET', `/admin/findings?minimum=${minimum}`),
    ).then((found) => found && setResult(found));
  }, [run, minimum]);
  return (
    <>
      <h2>Devices with a finding</h2>
      <form className="inline" onSubmit={(event) => event.preventDefault()}>
        <label>
          At least
          <select value={minimum} onChange={(event) => setMinimum(event.target.value as typeof minimum)}>
            <option value="info">info</option>
            <option value="warning">warning</option>
            <option value="error">error</option>
          </select>
        </label>
      </form>
      {result && (
        <>
          <p className="muted">
            {result.devices.length} of {result.examined} devices
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Account</th>
                <th scope="col">Device</th>
                <th scope="col">Last sync</th>
                <th scope="col">Findings</th>
              </tr>
            </thead>
            <tbody>
              {result.devices.map((diagnosis) => (
                <tr key={`${diagnosis.accountId}/${diagnosis.deviceId}`}>
                  <td>
                    <StatusBadge status={diagnosis.status} />
                  </td>
                  <td>{diagnosis.address}</td>
                  <td>{diagnosis.deviceId}</td>
                  <td>{when(diagnosis.lastSyncAt)}</td>
                  <td>
                    <FindingList diagnosis={diagnosis} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function QuarantineView({ run }: { run: Run }) {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = useCallback(async () => {
    const page = await run(() =>
      api<{ devices: Device[] }>('GET', '/admin/devices?access=quarantined&status=active&limit=500'),
    );
    setDevices(page?.devices ?? []);
  }, [run]);
  useEffect(() => {
    void load();
  }, [load]);
  async function decide(device: Device, access: 'allowed' | 'blocked') {
    const done = await run(() =>
      api(
        'PUT',
        `/admin/accounts/${device.accountId}/devices/${encodeURIComponent(device.deviceId)}/access`,
        {
          access,
          note: 'decided in the console',
        },
      ),
    );
    if (done !== undefined) {
      setMessage(`${device.deviceId} of ${device.address} is now ${access}.`);
      await load();
    }
  }
  return (
    <>
      <h2>Quarantine queue</h2>
      {message && <p role="status">{message}</p>}
      {devices === null ? (
        <p>Loading…</p>
      ) : devices.length === 0 ? (
        <p className="muted">No device waits for a decision.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Device</th>
              <th scope="col">Type and model</th>
              <th scope="col">Quarantined by</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((device) => (
              <tr key={`${device.accountId}/${device.deviceId}`}>
                <td>{device.address}</td>
                <td>{device.deviceId}</td>
                <td>
                  {device.deviceType} {device.model}
                </td>
                <td>{device.accessReason}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => void decide(device, 'allowed')}
                    aria-label={`Allow ${device.deviceId}`}
                  >
                    Allow
                  </button>{' '}
                  <button
                    type="button"
                    className="danger"
                    onClick={() => void decide(device, 'blocked')}
                    aria-label={`Block ${device.deviceId}`}
                  >
                    Block
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function RulesView({ run }: { run: Run }) {
  const [rules, setRules] = useState<AccessRule[]>([]);
  const [policies, setPolicies] = useState<Policy[]>([]);
  const load = useCallback(async () => {
    const [ruleList, policyList] = await Promise.all([
      run(() => api<{ rules: AccessRule[] }>('GET', '/admin/access/rules')),
      run(() => api<{ policies: Policy[] }>('GET', '/admin/policies')),
    ]);
    setRules(ruleList?.rules ?? []);
    setPolicies(policyList?.policies ?? []);
  }, [run]);
  useEffect(() => {
    void load();
  }, [load]);
  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const done = await run(() =>
      api('POST', '/admin/access/rules', {
        matchField: form.get('matchField'),
        pattern: form.get('pattern'),
        access: form.get('access'),
      }),
    );
    if (done !== undefined) await load();
  }
  async function remove(rule: AccessRule) {
    await run(() => api('DELETE', `/admin/access/rules/${rule.ruleId}`));
    await load();
  }
  return (
    <>
      <h2>Access rules</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Match</th>
            <th scope="col">Pattern</th>
            <th scope="col">Access</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.ruleId}>
              <td>{rule.matchField}</td>
              <td>{rule.pattern}</td>
              <td>{rule.access}</td>
              <td>
                <button
                  type="button"
                  onClick={() => void remove(rule)}
                  aria-label={`Remove rule ${rule.pattern}`}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline" onSubmit={(event) => void add(event)} aria-label="Add an access rule">
        <label>
          Match on
          <select name="matchField" defaultValue="model">
            <option value="model">model</option>
            <option value="deviceType">device type</option>
          </select>
        </label>
        <label>
          Pattern (* matches anything)
          <input name="pattern" required maxLength={128} />
        </label>
        <label>
          Access
          <select name="access" defaultValue="quarantined">
            <option value="allowed">allowed</option>
            <option value="quarantined">quarantined</option>
            <option value="blocked">blocked</option>
          </select>
        </label>
        <button type="submit">Add rule</button>
      </form>
      <h2>Policies</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Version</th>
            <th scope="col">Default</th>
            <th scope="col">Accounts</th>
            <th scope="col">Settings</th>
          </tr>
        </thead>
        <tbody>
          {policies.map((policy) => (
            <tr key={policy.policyId}>
              <td>{policy.name}</td>
              <td>{policy.version}</td>
              <td>{policy.isDefault ? 'yes' : ''}</td>
              <td>{policy.assignedAccounts}</td>
              <td>
                <pre>{JSON.stringify(policy.settings)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function SelfTestView({ run }: { run: Run }) {
  const [report, setReport] = useState<SelfTestReport | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setReport(null);
    const result = await run(() =>
      api<SelfTestReport>('POST', '/admin/selftest', {
        accountId: String(form.get('accountId') ?? '').trim(),
        deviceToken: String(form.get('deviceToken') ?? '').trim(),
      }),
    );
    setBusy(false);
    if (result) setReport(result);
  }
  return (
    <>
      <h2>Connectivity self-test</h2>
      <p className="muted">
        Sends the account a mail and follows it as the device: SMTP, Kafka, store, push, fetch.
      </p>
      <form className="inline" onSubmit={(event) => void submit(event)}>
        <label>
          Account id
          <input name="accountId" required pattern="[0-9a-fA-F-]{36}" />
        </label>
        <label>
          Device token
          <input name="deviceToken" type="password" required minLength={16} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run self-test'}
        </button>
      </form>
      {report && (
        <section aria-live="polite">
          <p role="status">
            <StatusBadge status={report.ok ? 'ok' : 'error'} />{' '}
            {report.ok
              ? `Every hop answered in ${report.totalMs} ms.`
              : `Stopped at ${report.stoppedAt}: ${report.diagnosis}`}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Hop</th>
                <th scope="col">Result</th>
                <th scope="col">Time</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {report.hops.map((hop) => (
                <tr key={hop.name}>
                  <td>{hop.name}</td>
                  <td>
                    <StatusBadge status={hop.ok ? 'ok' : 'error'} />
                  </td>
                  <td>{hop.ms === null ? '—' : `${hop.ms} ms`}</td>
                  <td>{hop.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}

function LiveView({ run }: { run: Run }) {
  const [counters, setCounters] = useState<LiveCounters | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      const result = await run(() => api<LiveCounters>('GET', '/admin/live'));
      if (!stopped && result) setCounters(result);
    };
    void poll();
    const timer = setInterval(() => void poll(), 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [run]);
  if (!counters) return <p>Loading…</p>;
  return (
    <>
      <h2>Live counters</h2>
      <p className="muted">Read {when(counters.at)}; refreshed every 5 seconds.</p>
      {counters.services.length === 0 && (
        <p className="muted">No service is configured (CONSOLE_METRICS_URLS).</p>
      )}
      <div className="counters">
        {counters.services.map((service) => (
          <section key={service.service} aria-labelledby={`live-${service.service}`}>
            <h3 id={`live-${service.service}`}>{service.service}</h3>
            {!service.ok && <p className="error">{service.error}</p>}
            <table>
              <tbody>
                {service.samples.map((sample) => (
                  <tr key={`${sample.name}${sample.labels}`}>
                    <th scope="row">
                      {sample.name}
                      <span className="muted">{sample.labels}</span>
                    </th>
                    <td>{Number.isInteger(sample.value) ? sample.value : sample.value.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </>
  );
}
