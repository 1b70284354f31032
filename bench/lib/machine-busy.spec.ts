import { describe, expect, it } from 'vitest';
import { busyPercentBetween, machineTicksOf } from './machine-busy.mjs';

const stat = (fields: string) => `cpu  ${fields}\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n`;

describe('machine busy share', () => {
  it('counts user, nice, system, irq, softirq and steal as busy, idle and iowait as not', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    expect(machineTicksOf(stat('100 10 50 800 20 5 15 0 7 0'))).toEqual({ busy: 180, total: 1000 });
  });

  it('counts stolen ticks as busy: the cores were not ours to use', () => {
    expect(machineTicksOf(stat('100 0 0 500 0 0 0 400 0 0'))).toEqual({ busy: 500, total: 1000 });
  });

  it('answers the share of all cores busy between two readings', () => {
    const before = machineTicksOf(stat('1000 0 500 8000 500 0 0 0 0 0'));
    const after = machineTicksOf(stat('1900 0 800 8250 550 0 0 0 0 0'));
    // 1,200 busy of 1,500 ticks.
    expect(busyPercentBetween(before, after)).toBe(80);
  });

  it('answers null without two readings or without ticks between them', () => {
    const reading = machineTicksOf(stat('1 0 0 1 0 0 0 0 0 0'));
    expect(busyPercentBetween(null, reading)).toBeNull();
    expect(busyPercentBetween(reading, reading)).toBeNull();
    expect(machineTicksOf('intr 1\n')).toBeNull();
  });
});
