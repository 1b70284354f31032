import type { Diagnosis } from '../../api.js';
import { StatusBadge } from '../../components/status-badge.js';

/** A device's findings, each opening onto its fix and the evidence behind it. */
export function FindingList({ diagnosis }: { diagnosis: Diagnosis | undefined }) {
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
