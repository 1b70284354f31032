import { Inject, Injectable } from '@nestjs/common';
import { isObject } from '@pushmail/jmap';
import { CONFIG } from '@pushmail/platform';
import { MailboxError } from '../api/mailbox-client.js';
import type { PushConfig } from '../config/push-config.js';

/** mailbox's header for a blob's media type: the body always travels as opaque bytes. */
export const BLOB_TYPE_HEADER = 'x-pushmail-blob-type';

export interface UploadedBlob {
  accountId: string;
  blobId: string;
  type: string;
  size: number;
}

export interface DownloadedBlob {
  type: string;
  data: Buffer;
}

/** The blob calls push-delivery makes to mailbox, also implemented by fakes in tests. */
export interface BlobStoreApi {
  upload(accountId: string, type: string, data: Buffer): Promise<UploadedBlob>;
  /** Undefined when the account has no such blob. */
  download(accountId: string, blobId: string): Promise<DownloadedBlob | undefined>;
}

export const BLOB_STORE_API = Symbol('BLOB_STORE_API');

/** mailbox's internal blob endpoints. */
@Injectable()
export class BlobStoreClient implements BlobStoreApi {
  private readonly authorization: string;

  constructor(@Inject(CONFIG) private readonly config: PushConfig) {
    this.authorization = `Bearer ${config.INTERNAL_TOKEN}`;
  }

  async upload(accountId: string, type: string, data: Buffer): Promise<UploadedBlob> {
    const response = await this.fetch(`/internal/blobs/${encodeURIComponent(accountId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [BLOB_TYPE_HEADER]: type },
      body: data,
    });
    if (response.status !== 201) throw await failure(response);
    const body: unknown = await response.json().catch(() => undefined);
    if (
      !isObject(body) ||
      typeof body['blobId'] !== 'string' ||
      typeof body['size'] !== 'number' ||
      typeof body['type'] !== 'string'
    ) {
      throw new MailboxError('failed', 'mailbox answered a malformed upload result');
    }
    return { accountId, blobId: body['blobId'], type: body['type'], size: body['size'] };
  }

  async download(accountId: string, blobId: string): Promise<DownloadedBlob | undefined> {
    const response = await this.fetch(
      `/internal/blobs/${encodeURIComponent(accountId)}/${encodeURIComponent(blobId)}`,
      { method: 'GET', headers: {} },
    );
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    if (!response.ok) throw await failure(response);
    return {
      type: response.headers.get(BLOB_TYPE_HEADER) ?? 'application/octet-stream',
      data: Buffer.from(await response.arrayBuffer()),
    };
  }

  private async fetch(
    path: string,
    init: { method: string; headers: Record<string, string>; body?: Buffer },
  ): Promise<Response> {
    try {
      return await fetch(`${this.config.MAILBOX_URL}${path}`, {
        method: init.method,
        headers: { ...init.headers, authorization: this.authorization },
        ...(init.body
          ? { body: new Uint8Array(init.body.buffer, init.body.byteOffset, init.body.length) }
          : {}),
        signal: AbortSignal.timeout(this.config.MAILBOX_TIMEOUT_MS),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new MailboxError(
        timedOut ? 'failed' : 'unavailable',
        `mailbox blob store unreachable (${String(error)})`,
      );
    }
  }
}

async function failure(response: Response): Promise<MailboxError> {
  await response.body?.cancel().catch(() => undefined);
  return new MailboxError(
    response.status === 502 || response.status === 503 ? 'unavailable' : 'failed',
    `mailbox answered HTTP ${response.status}`,
  );
}
