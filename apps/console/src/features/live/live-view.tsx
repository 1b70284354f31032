import { api, type LiveCounters } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { when } from '../../components/format.js';
import { KeyValueTable } from '../../components/key-value-table.js';
import { LabelledSection } from '../../components/labelled-section.js';
import { Loading, Note } from '../../components/messages.js';
import { usePolling } from '../../components/api-hooks.js';

const REFRESH_MS = 5000;

/** The services' own metrics, read through the registry, as a glance at whether mail flows. */
export function LiveView({ run }: { run: Run }) {
  const counters = usePolling(run, () => api<LiveCounters>('GET', '/admin/live'), REFRESH_MS);
  if (!counters) return <Loading />;
  return (
    <>
      <h2>Live counters</h2>
      <Note>Read {when(counters.at)}; refreshed every 5 seconds.</Note>
      {counters.services.length === 0 && <Note>No service is configured (CONSOLE_METRICS_URLS).</Note>}
      <div className="counters">
        {counters.services.map((service) => (
          <LabelledSection
            key={service.service}
            id={`live-${service.service}`}
            title={service.service}
            level={3}
          >
            {!service.ok && <p className="error">{service.error}</p>}
            <KeyValueTable
              entries={service.samples.map((sample) => ({
                key: `${sample.name}${sample.labels}`,
                name: (
                  <>
                    {sample.name}
                    <span className="muted">{sample.labels}</span>
                  </>
                ),
                value: Number.isInteger(sample.value) ? sample.value : sample.value.toFixed(3),
              }))}
            />
          </LabelledSection>
        ))}
      </div>
    </>
  );
}
