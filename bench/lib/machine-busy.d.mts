export interface MachineTicks {
  busy: number;
  total: number;
}
export function machineTicksOf(statText: string): MachineTicks | null;
export function busyPercentBetween(before: MachineTicks | null, after: MachineTicks | null): number | null;
