/** Past this, a header section is not searched (the submission path composes far smaller ones). */
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * The address of the `From:` header field of a message (the first, unfolded), lower-cased; none
 * when there is no such field or it holds no plain address. Linear in the header section.
 */
export function headerFromAddress(raw: Buffer): string | undefined {
  const head = raw.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const lines = (end === -1 ? head : head.slice(0, end)).split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (!/^from[ \t]*:/i.test(line)) continue;
    let value = line.slice(line.indexOf(':') + 1);
    while (index + 1 < lines.length && /^[ \t]/.test(lines[index + 1]!)) value += lines[(index += 1)];
    const bracketed = /<([^<>\s@]+@[^<>\s@]+)>/.exec(value);
    const bare = /(?:^|[\s,:;])([^<>\s@,;:"()]+@[A-Za-z0-9.-]+)(?=$|[\s,;])/.exec(value);
    const address = bracketed?.[1] ?? bare?.[1];
    return address?.toLowerCase();
  }
  return undefined;
}
