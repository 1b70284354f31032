import type { PortPickOptions } from './index.mjs';

export const LOWEST_LISTEN_PORT: number;
export function parsePortRange(text: string): { low: number; high: number } | undefined;
export function ephemeralPortRange(): { low: number; high: number };
export function listenPortRanges(
  ephemeral: { low: number; high: number },
  within?: { low: number; high: number },
): Array<{ low: number; high: number }>;
export function pickListenPorts(count: number, options?: PortPickOptions): Promise<number[]>;
export function brokerPorts(options?: PortPickOptions): Promise<{ port: number; controllerPort: number }>;
export function canListen(port: number, host?: string): Promise<boolean>;
export function configuredListenRange(text?: string): { low: number; high: number } | undefined;
