import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, requestError, type ProblemDetails } from '@pushmail/jmap';
import type { Logger } from 'pino';
import { MailboxError } from '../api/mailbox-client.js';
import { LOGGER, readBody } from '@pushmail/platform';
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
  async upload(
    @CurrentDevice() device: AuthenticatedDevice,
    @Param('accountId') accountId: string,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    if (accountId !== device.accountId)
      return sendProblem(response, notFound('no such account for these credentials'));
    const running = this.uploading.get(accountId) ?? 0;
    if (running >= DEFAULT_CORE_LIMITS.maxConcurrentUpload) {
      response.setHeader('connection', 'close');
      return sendProblem(response, {
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
        return sendProblem(response, {
          ...requestError(
            'limit',
            `the upload is over maxSizeUpload (${DEFAULT_CORE_LIMITS.maxSizeUpload} bytes)`,
            'maxSizeUpload',
          ),
          status: 413,
        });
      }
      const type = (request.headers['content-type'] ?? 'application/octet-stream').slice(0, 255);
      const uploaded = await this.blobs.upload(accountId, type, data);
      sendJson(response, 201, 'application/json', uploaded);
    } catch (error) {
      this.unavailable(response, error, accountId);
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
    if (accountId !== device.accountId) return sendProblem(response, notFound('no such blob'));
    try {
      const blob = await this.blobs.download(accountId, blobId);
      if (!blob) return sendProblem(response, notFound('no such blob'));
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
    } catch (error) {
      this.unavailable(response, error, accountId);
    }
  }

  private unavailable(response: ServerResponse, error: unknown, accountId: string): void {
    this.log.warn({ err: error, accountId }, 'the blob store gave no answer');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const retry = error instanceof MailboxError && error.kind === 'unavailable';
    if (retry) response.setHeader('retry-after', '5');
    sendJson(response, retry ? 503 : 500, 'application/problem+json', {
      type: 'about:blank',
      status: retry ? 503 : 500,
      detail: retry ? 'the blob store is unavailable; try again shortly' : 'the blob store failed',
    });
  }
}

/** RFC 7807 problem details: a JMAP request-level problem, or a plain HTTP one. */
type Problem = ProblemDetails | { type: 'about:blank'; status: number; title: string; detail: string };

function notFound(detail: string): Problem {
  return { type: 'about:blank', status: 404, title: 'Not Found', detail };
}

function sendProblem(response: ServerResponse, problem: Problem): void {
  sendJson(response, problem.status, 'application/problem+json', problem);
}

function sendJson(response: ServerResponse, status: number, contentType: string, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  response.statusCode = status;
  response.setHeader('content-type', `${contentType}; charset=utf-8`);
  response.setHeader('content-length', bytes.length);
  response.setHeader('cache-control', 'no-store');
  response.end(bytes);
}
