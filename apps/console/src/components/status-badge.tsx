/** A status or severity (ok, info, warning, error) in its colour. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}
