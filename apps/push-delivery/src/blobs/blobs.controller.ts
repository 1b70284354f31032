import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, requestError } from '@pushmail/jmap';
import { LOGGER, ProblemException, readBody } from '@pushmail/platform';
import type { Logger } from 'pino';
import { MailboxError } from '../api/mailbox-client.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import { BLOB_STORE_API, type BlobStoreApi } from './blob-store.client.js';
import { contentDisposition, downloadType } from './download-headers.js';

/**
 * Blob upload and download (RFC 8620 §6), at the URLs the session resource advertises. The bytes are
 * kept by mailbox; a device reaches only its own account's blobs.
 */
@Controller('jmap')
@UseGuards(DeviceAuthGuard)
export class BlobsController {
  private readonly uploading = new Map<string, number>();
  private readonly log: Logger;

  constructor(
    @Inject(BLOB_STORE_API) private readonly blobs: BlobStoreApi,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'blobs' });
  }

  @Post('upload/:accountId')
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  async upload(
    @CurrentDevice() device: AuthenticatedDevice,
    @Param('accountId') accountId: string,
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<unknown> {
    if (accountId !== device.accountId) throw notFound('no such account for these credentials');
    const running = this.uploading.get(accountId) ?? 0;
    if (running >= DEFAULT_CORE_LIMITS.maxConcurrentUpload) {
      response.setHeader('connection', 'close');
      throw new ProblemException({
        ...requestError(
          'limit',
          `maxConcurrentUpload is ${DEFAULT_CORE_LIMITS.maxConcurrentUpload}`,
          'maxConcurrentUpload',
        ),
        status: 429,
      });
    }
    this.uploading.set(accountId, running + 1);
    try {
      const data = await readBody(request, DEFAULT_CORE_LIMITS.maxSizeUpload);
      if (!data) {
        // The rest of an oversized body is never read, so the connection cannot be reused.
        response.setHeader('connection', 'close');
        throw new ProblemException({
          ...requestError(
            'limit',
            `the upload is over maxSizeUpload (${DEFAULT_CORE_LIMITS.maxSizeUpload} bytes)`,
            'maxSizeUpload',
          ),
          status: 413,
        });
      }
      const type = (request.headers['content-type'] ?? 'application/octet-stream').slice(0, 255);
      return await this.blobs.upload(accountId, type, data);
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      return this.unavailable(response, error, accountId);
    } finally {
      const left = (this.uploading.get(accountId) ?? 1) - 1;
      if (left <= 0) this.uploading.delete(accountId);
      else this.uploading.set(accountId, left);
    }
  }

  @Get('download/:accountId/:blobId/:name')
  async download(
    @CurrentDevice() device: AuthenticatedDevice,
    @Param('accountId') accountId: string,
    @Param('blobId') blobId: string,
    @Param('name') name: string,
    @Query('accept') accept: unknown,
    @Res() response: ServerResponse,
  ): Promise<void> {
    if (accountId !== device.accountId) throw notFound('no such blob');
    let blob: Awaited<ReturnType<BlobStoreApi['download']>>;
    try {
      blob = await this.blobs.download(accountId, blobId);
    } catch (error) {
      return this.unavailable(response, error, accountId);
    }
    if (!blob) throw notFound('no such blob');
    response.statusCode = 200;
    response.setHeader(
      'content-type',
      downloadType(typeof accept === 'string' ? accept : undefined, blob.type),
    );
    response.setHeader('content-disposition', contentDisposition(name));
    response.setHeader('content-length', blob.data.length);
    // A blob id names its bytes forever, so the answer never goes stale.
    response.setHeader('cache-control', 'private, immutable, max-age=31536000');
    response.setHeader('x-content-type-options', 'nosniff');
    response.end(blob.data);
  }

  private unavailable(response: ServerResponse, error: unknown, accountId: string): never {
    this.log.warn({ err: error, accountId }, 'the blob store gave no answer');
    const retry = error instanceof MailboxError && error.kind === 'unavailable';
    if (retry) response.setHeader('retry-after', '5');
    throw new ProblemException({
      type: 'about:blank',
      status: retry ? 503 : 500,
      detail: retry ? 'the blob store is unavailable; try again shortly' : 'the blob store failed',
    });
  }
}

function notFound(detail: string): ProblemException {
  return new ProblemException({ type: 'about:blank', status: 404, title: 'Not Found', detail });
}
