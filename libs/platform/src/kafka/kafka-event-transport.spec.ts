import { randomUUID } from 'node:crypto';
import { Controller, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  deadLetterTopic,
  encodeEvent,
  mailboxChangedTopic,
  type MailboxChangedV1,
} from '@pushmail/contracts';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LOGGER } from '../config/config.module.js';
import { ReadinessRegistry } from '../health/health.module.js';
import { type ConsumedEvent, PoisonEventError } from './event-consumer.js';
import { EventProducer } from './event-producer.js';
import { fakeKafka, kafkaMessage, mailboxChange } from './fake-kafka.js';
import {
  connectMessaging,
  KafkaBatchContext,
  KafkaEventTransport,
  subscription,
} from './kafka-event-transport.js';
import { OnDemandSubscriptions } from './on-demand-subscriptions.js';
import { KAFKA } from './messaging.tokens.js';

const logger = pino({ level: 'silent' });
const topic = mailboxChangedTopic.name;
const GROUP = Symbol('GROUP');

interface Received {
  accounts: string[];
  topic: string;
  partition: number;
  attempt: number;
}

@Controller()
class ChangesController {
  readonly received: Received[] = [];
  poisonAccount: string | undefined;

  @EventPattern<string>(
    topic,
    subscription((get) => ({ groupId: get<string>(GROUP), fromBeginning: false, readiness: 'changes' })),
  )
  handle(@Payload() events: ConsumedEvent<MailboxChangedV1>[], @Ctx() context: KafkaBatchContext): void {
    const accounts = events.map((item) => item.event.accountId);
    this.received.push({
      accounts,
      topic: context.getTopic(),
      partition: context.getPartition(),
      attempt: context.getAttempt(),
    });
    if (this.poisonAccount && accounts.includes(this.poisonAccount))
      throw new PoisonEventError('never storable');
  }
}

async function appWith(controller: typeof ChangesController) {
  const fake = fakeKafka();
  @Module({
    controllers: [controller],
    providers: [
      { provide: KAFKA, useValue: fake.kafka },
      { provide: LOGGER, useValue: logger },
      { provide: GROUP, useValue: 'changes-group' },
      { provide: EventProducer, inject: [KAFKA], useFactory: () => new EventProducer(fake.kafka, logger) },
      ReadinessRegistry,
      OnDemandSubscriptions,
      KafkaEventTransport,
    ],
  })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false });
  apps.push(app);
  await connectMessaging(app);
  return { app, fake, controller: app.get(controller) };
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const change = (accountId: string) => encodeEvent(mailboxChangedTopic, mailboxChange(accountId)).value;

describe(KafkaEventTransport.name, () => {
  it('serves an @EventPattern handler a partition’s batch with its context, then commits', async () => {
    const { fake, controller } = await appWith(ChangesController);
    const [first, second] = [randomUUID(), randomUUID()];

    await fake.deliver(topic, 2, '9', [kafkaMessage(7, change(first)), kafkaMessage(8, change(second))]);

    expect(controller.received).toEqual([{ accounts: [first, second], topic, partition: 2, attempt: 1 }]);
    expect(fake.committed).toEqual(['9']);
  });

  it('joins the consumer group the handler’s subscription reads from the application', async () => {
    const { fake } = await appWith(ChangesController);

    expect(fake.groupIds).toEqual(['changes-group']);
  });

  it('hands a handler’s PoisonEventError to the consumer as thrown: the event is dead-lettered', async () => {
    const { fake, controller } = await appWith(ChangesController);
    const [good, poison] = [randomUUID(), randomUUID()];
    controller.poisonAccount = poison;

    await fake.deliver(topic, 0, '2', [kafkaMessage(0, change(good)), kafkaMessage(1, change(poison))]);

    const letters = fake.sent.filter((request) => request.topic === deadLetterTopic.name);
    expect(letters.flatMap((request) => request.messages)).toHaveLength(1);
    expect(JSON.parse(String(letters[0]!.messages[0]!.value))).toMatchObject({
      offset: '1',
      reason: 'never storable',
    });
    expect(controller.received.map((batch) => batch.accounts)).toEqual([[good, poison], [good], [poison]]);
    expect(fake.committed).toEqual(['2']);
  });

  it('reports ready under the subscription’s name once its consumer runs, and not after close', async () => {
    const { app } = await appWith(ChangesController);
    const readiness = app.get(ReadinessRegistry);

    expect(await readiness.evaluate()).toEqual({ ready: true, checks: { changes: true } });
    await app.get(KafkaEventTransport).close();
    expect((await readiness.evaluate()).checks).toEqual({ changes: false });
  });

  it('refuses a handler whose pattern is no topic of the contracts', async () => {
    @Controller()
    class Misnamed extends ChangesController {
      @EventPattern<string>(
        'pushmail.unknown.v1',
        subscription({ groupId: 'g', fromBeginning: true, readiness: 'x' }),
      )
      other(): void {}
    }

    await expect(appWith(Misnamed)).rejects.toThrow("@EventPattern('pushmail.unknown.v1') names no topic");
  });
});
