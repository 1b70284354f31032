import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BadRequestException,
  Get,
  Headers,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { DEFAULT_CORE_LIMITS } from '@pushmail/jmap';
import { z } from 'zod';
import { InternalController, readBody } from '@pushmail/platform';
import { BlobStore, type StoredBlob } from './blob-store.service.js';

/** The media type travels in its own header: the body is always sent as opaque bytes. */
export const BLOB_TYPE_HEADER = 'x-pushmail-blob-type';

const accountIdParam = z.uuid();
const mediaType = z
  .string()
  .max(255)
  .regex(/^[\x20-\x7e]+$/);

/** Internal only: push-delivery serves uploads and downloads to devices and stores blobs here. */
@InternalController('internal/blobs')
export class BlobsController {
  constructor(@Inject(BlobStore) private readonly blobs: BlobStore) {}

  @Post(':accountId')
  async upload(
    @Param('accountId') accountId: string,
    @Headers(BLOB_TYPE_HEADER) type: string | undefined,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    requireAccountId(accountId);
    const blobType = mediaType.safeParse(type ?? '').success ? type! : 'application/octet-stream';
    const data = await readBody(request, DEFAULT_CORE_LIMITS.maxSizeUpload);
    if (!data) {
      response.setHeader('connection', 'close');
      throw new HttpException(
        { error: 'too_large', message: `blobs are at most ${DEFAULT_CORE_LIMITS.maxSizeUpload} bytes` },
        413,
      );
    }
    const stored: StoredBlob = await this.blobs.put(accountId, data, blobType);
    const body = Buffer.from(JSON.stringify({ accountId, ...stored, type: blobType }));
    response.statusCode = 201;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('content-length', body.length);
    response.end(body);
  }

  @Get(':accountId/:blobId')
  async download(
    @Param('accountId') accountId: string,
    @Param('blobId') blobId: string,
    @Res() response: ServerResponse,
  ): Promise<void> {
    requireAccountId(accountId);
    const blob = await this.blobs.get(accountId, blobId);
    if (!blob) throw new NotFoundException({ error: 'not_found', message: 'no such blob' });
    response.statusCode = 200;
    response.setHeader('content-type', 'application/octet-stream');
    response.setHeader(BLOB_TYPE_HEADER, blob.type);
    response.setHeader('content-length', blob.data.length);
    response.end(blob.data);
  }
}

function requireAccountId(accountId: string): void {
  if (!accountIdParam.safeParse(accountId).success) {
    throw new BadRequestException({ error: 'invalid_request', message: 'accountId must be a uuid' });
  }
}
