// Just enough of the Kafka wire protocol to tell whether a broker is up and serving, without a
// client library: an open port alone says nothing about whether the controller has admitted the broker.
import net from 'node:net';

const API_METADATA = 3;
const API_VERSIONS = 18;
const CLIENT_ID = 'pushmail-infra-probe';

class Writer {
  parts = [];
  int8(v) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  uvarint(v) {
    const bytes = [];
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  string(s) {
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).bytes(b);
  }
  bytes(b) {
    this.parts.push(b);
    return this;
  }
  build() {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  constructor(buffer) {
    this.buffer = buffer;
    this.offset = 0;
  }
  int16() {
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32() {
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uvarint() {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw new Error('truncated varint');
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value >>> 0;
      shift += 7;
    }
  }
  text(length) {
    if (this.offset + length > this.buffer.length) throw new Error('truncated string');
    const s = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
  string(flexible) {
    const length = flexible ? this.uvarint() - 1 : this.int16();
    return length < 0 ? null : this.text(length);
  }
  arrayLength(flexible) {
    return flexible ? this.uvarint() - 1 : this.int32();
  }
  skipTaggedFields() {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}

/** One connection carrying length-prefixed request/response pairs, answered in order. */
class Connection {
  constructor(socket) {
    this.socket = socket;
    this.pending = Buffer.alloc(0);
    this.waiters = [];
    this.failure = null;
    socket.on('data', (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.drain();
    });
    const fail = (err) => {
      this.failure = err;
      for (const waiter of this.waiters.splice(0)) waiter.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by peer')));
  }

  drain() {
    while (this.waiters.length && this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > 64 * 1024 * 1024) {
        this.socket.destroy();
        const err = new Error('response is not Kafka framing');
        for (const waiter of this.waiters.splice(0)) waiter.reject(err);
        return;
      }
      if (this.pending.length < 4 + size) return;
      const frame = this.pending.subarray(4, 4 + size);
      this.pending = this.pending.subarray(4 + size);
      this.waiters.shift().resolve(frame);
    }
  }

  request(apiKey, apiVersion, correlationId, body, flexible) {
    const header = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(CLIENT_ID);
    if (flexible) header.uvarint(0);
    const payload = Buffer.concat([header.build(), body]);
    const frame = new Writer().int32(payload.length).bytes(payload).build();
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiters.push({ resolve, reject });
      this.socket.write(frame);
      this.drain();
    }).then((response) => {
      const reader = new Reader(response);
      const got = reader.int32();
      if (got !== correlationId) throw new Error(`correlation id ${got}, expected ${correlationId}`);
      // ApiVersions answers with a non-flexible header at every version, so clients can parse it
      // before they know what the broker supports.
      if (flexible && apiKey !== API_VERSIONS) reader.skipTaggedFields();
      return reader;
    });
  }
}

function connect(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    // One deadline for connecting and for every answer on the connection.
    const timer = setTimeout(
      () => socket.destroy(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => resolve({ socket, timer }));
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function parseApiVersions(reader) {
  const errorCode = reader.int16();
  // 35 (UNSUPPORTED_VERSION) still carries the broker's version table, which is all a probe needs.
  if (errorCode !== 0 && errorCode !== 35) throw new Error(`ApiVersions error code ${errorCode}`);
  const count = reader.int32();
  if (count < 0 || count > 1000) throw new Error('ApiVersions response is malformed');
  const apis = new Map();
  for (let i = 0; i < count; i++) {
    const key = reader.int16();
    apis.set(key, { min: reader.int16(), max: reader.int16() });
  }
  return apis;
}

function metadataRequestBody(version) {
  const flexible = version >= 9;
  const body = new Writer();
  // An empty topic list (not null, which means "all topics") keeps the answer small.
  if (flexible) body.uvarint(1);
  else body.int32(0);
  body.int8(0); // allow_auto_topic_creation
  if (version >= 8 && version <= 10) body.int8(0); // include_cluster_authorized_operations
  body.int8(0); // include_topic_authorized_operations
  if (flexible) body.uvarint(0);
  return body.build();
}

function parseMetadata(reader, version) {
  const flexible = version >= 9;
  reader.int32(); // throttle_time_ms
  const brokers = [];
  const count = reader.arrayLength(flexible);
  for (let i = 0; i < count; i++) {
    const nodeId = reader.int32();
    const host = reader.string(flexible);
    const port = reader.int32();
    reader.string(flexible); // rack
    if (flexible) reader.skipTaggedFields();
    brokers.push({ nodeId, host, port });
  }
  const clusterId = reader.string(flexible);
  const controllerId = reader.int32();
  return { brokers, clusterId, controllerId };
}

/**
 * Asks host:port for ApiVersions (v0, which every broker answers) and then Metadata at the highest
 * version both sides know. Resolves with what the broker reported; rejects when the peer is not a
 * Kafka broker or does not answer in time.
 */
export async function probeKafka(host, port, { timeoutMs = 5000 } = {}) {
  const { socket, timer } = await connect(host, port, timeoutMs);
  try {
    const connection = new Connection(socket);
    const apis = parseApiVersions(await connection.request(API_VERSIONS, 0, 1, Buffer.alloc(0), false));
    const range = apis.get(API_METADATA);
    if (!range) throw new Error('broker does not offer the Metadata API');
    const version = Math.min(range.max, 12);
    if (version < range.min || version < 4) {
      throw new Error(`broker offers Metadata v${range.min}-v${range.max}, none of which this probe speaks`);
    }
    const reader = await connection.request(
      API_METADATA,
      version,
      2,
      metadataRequestBody(version),
      version >= 9,
    );
    return { apiCount: apis.size, metadataVersion: version, ...parseMetadata(reader, version) };
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** True once the broker on host:port serves metadata that lists itself and names a controller. */
export async function kafkaIsReady(host, port, options) {
  const metadata = await probeKafka(host, port, options);
  return metadata.controllerId >= 0 && metadata.brokers.some((broker) => broker.port === port);
}
