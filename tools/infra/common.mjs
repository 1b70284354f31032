import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Downloads and data live outside the work tree so a fresh clone or `git clean` keeps them. */
export function cacheDir() {
  return process.env.PUSHMAIL_CACHE_DIR || path.join(os.homedir(), '.cache', 'pushmail');
}

export function defaultLog(message) {
  process.stderr.write(`[infra] ${message}\n`);
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Resolves true when something accepts TCP connections on host:port. */
export function canConnect(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Last `lines` lines of a file written after byte offset `from` (to skip earlier runs in an appended
 * log), or '' when there are none; reads only the end of large files.
 */
export function tailFile(file, lines = 40, from = 0) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const size = statSync(file).size;
    const start = Math.max(size < from ? 0 : from, size - 64 * 1024);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Runs a command to completion, collecting its output. Rejects with the output's tail when it fails,
 * and with a hint when the program itself is missing.
 */
export function run(command, args, { cwd, env, timeoutMs = 0, missingHint } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : undefined;
    child.once('error', (err) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT')
        reject(new Error(`${command} not found${missingHint ? `: ${missingHint}` : ''}`));
      else reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else {
        const tail = output.trimEnd().split('\n').slice(-40).join('\n');
        const why = signal ? `was killed by ${signal}` : `exited with ${code}`;
        reject(new Error(`${command} ${args.join(' ')} ${why}\n${tail}`));
      }
    });
  });
}

/**
 * Cross-process mutual exclusion through an atomically created directory holding the owner's pid.
 * A lock whose owner died is taken over, so a crash never wedges later runs.
 */
export async function withLock(
  lockDir,
  fn,
  { timeoutMs = 10 * 60_000, log = defaultLog, what = lockDir } = {},
) {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const ownerFile = path.join(lockDir, 'owner');
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(ownerFile, 'utf8'));
    } catch {
      // The owner may be between creating the directory and writing its pid.
    }
    const ageMs = (() => {
      try {
        return Date.now() - statSync(lockDir).mtimeMs;
      } catch {
        return 0;
      }
    })();
    const stale = Number.isInteger(owner) && owner > 0 ? !isAlive(owner) : ageMs > 10_000;
    if (stale) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (lock ${lockDir} held by pid ${owner})`);
    }
    if (!announced) {
      log(`waiting for ${what}, which pid ${owner || '?'} is doing`);
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

let dockerEngine;

/**
 * True when a Docker engine answers. The client alone is not enough (it is installed on machines
 * without an engine), so this asks the engine itself.
 */
export async function hasDockerEngine() {
  const forced = process.env.PUSHMAIL_INFRA;
  if (forced === 'local') return false;
  if (forced === 'docker') return true;
  dockerEngine ??= run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 }).then(
    () => true,
    () => false,
  );
  return dockerEngine;
}
