/** A timestamp in the reader's locale; a missing one is `never`. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}
