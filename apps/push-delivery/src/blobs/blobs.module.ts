import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { BLOB_STORE_API, BlobStoreClient } from './blob-store.client.js';
import { BlobsController } from './blobs.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [BlobsController],
  providers: [BlobStoreClient, { provide: BLOB_STORE_API, useExisting: BlobStoreClient }],
})
export class BlobsModule {}
