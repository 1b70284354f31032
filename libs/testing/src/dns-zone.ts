/** The records of one name in a test's DNS zone; `fail` makes every lookup of it fail with that code. */
export interface FixtureRecords {
  TXT?: readonly string[];
  A?: readonly string[];
  AAAA?: readonly string[];
  fail?: 'ESERVFAIL' | 'ETIMEOUT';
}

export type FixtureZone = Record<string, FixtureRecords>;

/** The shape of `dns.promises.resolve(name, rrtype)` for the record types a zone holds. */
export type FixtureResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/**
 * A DNS resolver answering from a zone the test writes, with the errors node's resolver gives:
 * `ENOTFOUND` for a name not in the zone, `ENODATA` for a type it has no record of. A TXT value
 * longer than 255 characters comes back split into strings as DNS carries it.
 */
export function fixtureZoneResolver(zone: FixtureZone): FixtureResolver {
  const byName = new Map(Object.entries(zone).map(([name, records]) => [canonical(name), records]));
  return (name, rrtype) => {
    const records = byName.get(canonical(name));
    if (records === undefined) return Promise.reject(dnsError('ENOTFOUND', name, rrtype));
    if (records.fail !== undefined) return Promise.reject(dnsError(records.fail, name, rrtype));
    const values = rrtype === 'TXT' || rrtype === 'A' || rrtype === 'AAAA' ? records[rrtype] : undefined;
    if (values === undefined || values.length === 0) return Promise.reject(dnsError('ENODATA', name, rrtype));
    if (rrtype === 'TXT') return Promise.resolve(values.map((value) => chunksOf(value, 255)));
    return Promise.resolve([...values]);
  };
}

function canonical(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function chunksOf(value: string, size: number): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < value.length; start += size) chunks.push(value.slice(start, start + size));
  return chunks.length > 0 ? chunks : [''];
}

function dnsError(code: string, name: string, rrtype: string): Error {
  return Object.assign(new Error(`query${rrtype} ${code} ${name}`), { code, hostname: name });
}
