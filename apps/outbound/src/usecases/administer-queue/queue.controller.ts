import { Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { AdminController, ApiOperation, ZodValidationPipe } from '@pushmail/platform';
import {
  deliveryIdParamSchema,
  type QueuedDelivery,
  queuedDeliverySchema,
  type QueuePage,
  queuePageSchema,
  type QueueQuery,
  queueQuerySchema,
} from './dto/queue.dto.js';
import { AdministerQueue } from './administer-queue.usecase.js';

const deliveryIdPipe = new ZodValidationPipe(deliveryIdParamSchema, 'deliveryId');

@AdminController('admin/queue', 'sending')
export class QueueController {
  constructor(@Inject(AdministerQueue) private readonly queue: AdministerQueue) {}

  @Get()
  @ApiOperation(
    'listQueue',
    'The deliveries waiting in the outbound queue, oldest first',
    { 200: ['The waiting deliveries', queuePageSchema] },
    [400, 401],
  )
  list(@Query(new ZodValidationPipe(queueQuerySchema)) query: QueueQuery): Promise<QueuePage> {
    return this.queue.list(query);
  }

  @Post(':deliveryId/retry')
  @HttpCode(200)
  @ApiOperation(
    'retryDelivery',
    'Try a queued or deferred delivery at the next pass of the queue',
    { 200: ['The delivery, due now', queuedDeliverySchema] },
    [400, 401, 404, 409],
  )
  retry(@Param('deliveryId', deliveryIdPipe) deliveryId: string): Promise<QueuedDelivery> {
    return this.queue.retry(deliveryId);
  }

  @Post(':deliveryId/cancel')
  @HttpCode(202)
  @ApiOperation(
    'cancelDelivery',
    'Bounce a queued or deferred delivery at the next pass: a DSN to the sender, deliveryStatus no',
    { 202: ['The delivery, to bounce', queuedDeliverySchema] },
    [400, 401, 404, 409],
  )
  cancel(@Param('deliveryId', deliveryIdPipe) deliveryId: string): Promise<QueuedDelivery> {
    return this.queue.cancel(deliveryId);
  }
}
