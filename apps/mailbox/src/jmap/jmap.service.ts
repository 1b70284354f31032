import { Inject, Injectable } from '@nestjs/common';
import type { ChangedTypeName } from '@pushmail/contracts';
import {
  dispatchRequest,
  type JmapRequest,
  type JmapResponse,
  type MethodHandler,
  type MethodRegistry,
} from '@pushmail/jmap';
import type { Logger } from 'pino';
import { stateStrings } from '../changes/change-log.js';
import { ChangesService } from '../changes/changes.service.js';
import { MAILBOX_LOGGER } from '../config/mailbox-config.js';
import { EmailMethods } from './methods/email.methods.js';
import { MailboxMethods } from './methods/mailbox.methods.js';
import { ThreadMethods } from './methods/thread.methods.js';

/**
 * The session state this service reports. The session itself (accounts, capabilities) belongs to
 * the edge that serves it; nothing here changes it, so the value never moves.
 */
export const MAILBOX_SESSION_STATE = '0';

export interface AccountStatesView {
  state: string;
  changed: Record<ChangedTypeName, string>;
}

/** Runs JMAP requests for one account against the store. */
@Injectable()
export class JmapService {
  private readonly methods: Map<string, MethodHandler>;

  constructor(
    @Inject(EmailMethods) emails: EmailMethods,
    @Inject(MailboxMethods) mailboxes: MailboxMethods,
    @Inject(ThreadMethods) threads: ThreadMethods,
    @Inject(ChangesService) private readonly changes: ChangesService,
    @Inject(MAILBOX_LOGGER) private readonly logger: Logger,
  ) {
    this.methods = new Map<string, MethodHandler>([
      ['Core/echo', async (args) => args],
      ['Mailbox/get', (args, context) => mailboxes.get(args, context)],
      ['Mailbox/changes', (args, context) => mailboxes.changesSince(args, context)],
      ['Email/get', (args, context) => emails.get(args, context)],
      ['Email/query', (args, context) => emails.query(args, context)],
      ['Email/changes', (args, context) => emails.changesSince(args, context)],
      ['Thread/get', (args, context) => threads.get(args, context)],
      ['Thread/changes', (args, context) => threads.changesSince(args, context)],
    ]);
  }

  get registry(): MethodRegistry {
    return this.methods;
  }

  async execute(accountId: string, request: JmapRequest): Promise<JmapResponse> {
    const result = await dispatchRequest(request, accountId, this.methods, {
      onUnexpectedError: (method, error) =>
        this.logger.error({ err: error, method, accountId }, 'a JMAP method failed'),
    });
    return {
      methodResponses: result.methodResponses,
      sessionState: MAILBOX_SESSION_STATE,
      ...(result.createdIds ? { createdIds: result.createdIds } : {}),
    };
  }

  async states(accountId: string): Promise<AccountStatesView> {
    return stateStrings(await this.changes.readStates(accountId));
  }
}
