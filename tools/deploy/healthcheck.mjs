// Container health check: asks one of the service's own health endpoints. Usage:
//   node healthcheck.mjs <PORT_VARIABLE> <default port> [path, default /health/live]
// It reads the port from the same variable the service listens on, so overriding the port in the
// environment never leaves a stale check behind.
const [portVariable, defaultPort, path = '/health/live'] = process.argv.slice(2);
const port = Number(process.env[portVariable] || defaultPort);
const bound = process.env.HTTP_HOST;
// A wildcard bind answers on loopback; a specific address must be asked on that address.
const host = !bound || bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(2500) });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
