import { Module } from '@nestjs/common';
import { InternalTokenGuard } from '@pushmail/platform';
import { BlobStore } from './blob-store.service.js';
import { BlobsController } from './blobs.controller.js';

@Module({
  controllers: [BlobsController],
  providers: [BlobStore, InternalTokenGuard],
  exports: [BlobStore],
})
export class BlobsModule {}
