// A progress bar on stderr. On a terminal it redraws one line; elsewhere (CI, a log file) it prints
// a line every few seconds, so a long phase still shows it is moving.

const BAR_WIDTH = 28;

export class Progress {
  constructor({ stream = process.stderr, quietIntervalMs = 5000 } = {}) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY);
    this.quietIntervalMs = quietIntervalMs;
    this.active = null;
  }

  /** Starts a phase of `total` units (null: unknown, shows a spinner-like counter). */
  start(label, total = null) {
    this.finishLine();
    this.active = { label, total, done: 0, detail: '', startedAt: Date.now(), lastPrint: 0 };
    this.render(true);
    return this;
  }

  update(done, detail = this.active?.detail ?? '') {
    if (!this.active) return;
    this.active.done = done;
    this.active.detail = detail;
    this.render(false);
  }

  done(detail) {
    if (!this.active) return;
    if (this.active.total !== null) this.active.done = this.active.total;
    if (detail !== undefined) this.active.detail = detail;
    this.render(true);
    if (this.tty) this.stream.write('\n');
    this.active = null;
  }

  /** A log line that does not tear the bar. */
  log(message) {
    if (this.tty && this.active) this.stream.write('\r\x1b[2K');
    this.stream.write(`${message}\n`);
    if (this.active) this.render(true);
  }

  finishLine() {
    if (this.active && this.tty) this.stream.write('\n');
    this.active = null;
  }

  render(force) {
    const phase = this.active;
    if (!phase) return;
    const now = Date.now();
    if (!this.tty && !force && now - phase.lastPrint < this.quietIntervalMs) return;
    if (this.tty && !force && now - phase.lastPrint < 100) return;
    phase.lastPrint = now;
    const elapsed = (now - phase.startedAt) / 1000;
    let bar;
    if (phase.total) {
      const fraction = Math.min(1, phase.done / phase.total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const eta =
        fraction > 0.02 && fraction < 1 ? ` eta ${Math.round((elapsed / fraction) * (1 - fraction))}s` : '';
      bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%${eta}`;
    } else {
      bar = `[${String(phase.done).padStart(6)}]`;
    }
    const line = `${phase.label.padEnd(30)} ${bar} ${elapsed.toFixed(0)}s ${phase.detail}`;
    if (this.tty) {
      const width = this.stream.columns || 120;
      this.stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }
}
