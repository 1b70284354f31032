import { readFile } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';

/** The part of Express's response the console files need. */
interface Response {
  status(code: number): Response;
  type(contentType: string): Response;
  setHeader(name: string, value: string): Response;
  send(body: Buffer): void;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Serves the built operations console. The files are public (the login page must load before
 * anyone has a token); every call the console makes goes to `/admin` with the admin bearer.
 */
@Controller('console')
export class ConsoleFilesController {
  private readonly root: string;

  constructor(@Inject(CONFIG) config: OperationsConfig) {
    this.root = resolve(config.CONSOLE_DIR);
  }

  @Get()
  index(@Res() response: Response): Promise<void> {
    return this.send(response, 'index.html');
  }

  @Get('*path')
  async file(@Param('path') path: string | string[], @Res() response: Response): Promise<void> {
    const relative = Array.isArray(path) ? path.join('/') : path;
    // Paths without an extension are the console's own routes: the single page answers them.
    return this.send(response, extname(relative) ? relative : 'index.html');
  }

  private async send(response: Response, relative: string): Promise<void> {
    const full = resolve(this.root, normalize(relative));
    if (full !== this.root && !full.startsWith(this.root + sep)) throw new NotFoundException();
    let body: Buffer;
    try {
      body = await readFile(full);
    } catch {
      throw new NotFoundException({
        error: 'not_found',
        message:
          relative === 'index.html' ? 'the console is not built: npx nx run console:build' : 'no such file',
      });
    }
    response
      .status(200)
      .type(TYPES[extname(full)] ?? 'application/octet-stream')
      .setHeader('Cache-Control', relative === 'index.html' ? 'no-store' : 'public, max-age=3600')
      .setHeader('X-Content-Type-Options', 'nosniff')
      .setHeader(
        'Content-Security-Policy',
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      )
      .send(body);
  }
}
