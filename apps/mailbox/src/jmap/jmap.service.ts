import { Inject, Injectable } from '@nestjs/common';
import type { ChangedTypeName } from '@pushmail/contracts';
import {
  DEFAULT_REQUEST_BUDGET,
  dispatchRequest,
  type JmapRequest,
  type JmapResponse,
  type MethodHandler,
  type MethodRegistry,
} from '@pushmail/jmap';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { CONFIG, currentRequestSignal, LOGGER } from '@pushmail/platform';
import { changedSince, stateStrings } from '../changes/change-log.js';
import { ChangesService } from '../changes/changes.service.js';
import type { MailboxConfig } from '../config/mailbox-config.js';
import { ImportEmailsUseCase } from '../usecases/import-emails/import-emails.usecase.js';
import { ProvisionAccount } from '../usecases/provision-account/provision-account.usecase.js';
import { SetEmailsUseCase } from '../usecases/set-emails/set-emails.usecase.js';
import { SetIdentitiesUseCase } from '../usecases/set-identities/set-identities.usecase.js';
import { SetMailboxesUseCase } from '../usecases/set-mailboxes/set-mailboxes.usecase.js';
import { SubmitEmailsUseCase } from '../usecases/submit-emails/submit-emails.usecase.js';
import { IdentitiesService } from '../identities/identities.service.js';
import { BlobMethods } from './methods/blob.methods.js';
import { requireAccountId } from './methods/arguments.js';
import { EmailMethods } from './methods/email.methods.js';
import { EmailSubmissionMethods } from './methods/email-submission.methods.js';
import { IdentityMethods } from './methods/identity.methods.js';
import { MailboxMethods } from './methods/mailbox.methods.js';
import { SearchSnippetMethods } from './methods/search-snippet.methods.js';
import { ThreadMethods } from './methods/thread.methods.js';
import { inOneSnapshot } from './methods/read-snapshot.js';
import { firstChangesRead } from './methods/type-methods.js';
import { VacationResponseMethods } from './methods/vacation-response.methods.js';

/**
 * The session state this service reports. The session itself (accounts, capabilities) belongs to
 * the edge that serves it; nothing here changes it, so the value never moves.
 */
export const MAILBOX_SESSION_STATE = '0';

/**
 * The methods that only read the store, each in a REPEATABLE READ snapshot (readSnapshot), and
 * Core/echo, which reads nothing. A request of these alone runs in one snapshot (inOneSnapshot).
 */
const SNAPSHOT_READS = new Set([
  'Email/get',
  'Email/changes',
  'Email/query',
  'Email/queryChanges',
  'Mailbox/get',
  'Mailbox/changes',
  'Mailbox/query',
  'Mailbox/queryChanges',
  'Thread/get',
  'Thread/changes',
  'SearchSnippet/get',
]);

/** Whether a request has two or more reads of the store and nothing else that touches it. */
export function sharesOneSnapshot(request: JmapRequest): boolean {
  let reads = 0;
  for (const [name] of request.methodCalls) {
    if (SNAPSHOT_READS.has(name)) reads += 1;
    else if (name !== 'Core/echo') return false;
  }
  return reads >= 2;
}

export interface AccountStatesView {
  state: string;
  changed: Partial<Record<ChangedTypeName, string>>;
}

/** What the edge knows of the caller besides the account: the address it owns and sends from. */
export interface CallerInfo {
  address?: string;
}

/** Runs JMAP requests for one account against the store. */
@Injectable()
export class JmapService {
  private readonly methods: Map<string, MethodHandler>;

  constructor(
    @Inject(EmailMethods) emails: EmailMethods,
    @Inject(BlobMethods) blobs: BlobMethods,
    @Inject(MailboxMethods) mailboxes: MailboxMethods,
    @Inject(ThreadMethods) threads: ThreadMethods,
    @Inject(SearchSnippetMethods) snippets: SearchSnippetMethods,
    @Inject(SetEmailsUseCase) setEmails: SetEmailsUseCase,
    @Inject(ImportEmailsUseCase) importEmails: ImportEmailsUseCase,
    @Inject(SetMailboxesUseCase) setMailboxes: SetMailboxesUseCase,
    @Inject(IdentityMethods) identities: IdentityMethods,
    @Inject(SetIdentitiesUseCase) private readonly setIdentities: SetIdentitiesUseCase,
    @Inject(EmailSubmissionMethods) submissions: EmailSubmissionMethods,
    @Inject(SubmitEmailsUseCase) private readonly submitEmails: SubmitEmailsUseCase,
    @Inject(IdentitiesService) private readonly identityDirectory: IdentitiesService,
    @Inject(ProvisionAccount) private readonly provisioning: ProvisionAccount,
    @Inject(ChangesService) private readonly changes: ChangesService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(VacationResponseMethods) vacation: VacationResponseMethods,
    @Inject(CONFIG) private readonly config: Pick<MailboxConfig, 'JMAP_MAX_RESPONSE_BYTES'>,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    const accountMethods: Record<string, MethodHandler> = {
      'Mailbox/get': (args, context) => mailboxes.get(args, context),
      'Mailbox/changes': (args, context) => mailboxes.changesSince(args, context),
      'Mailbox/query': (args, context) => mailboxes.query(args, context),
      'Mailbox/queryChanges': (args, context) => mailboxes.queryChanges(args, context),
      'Mailbox/set': (args, context) => setMailboxes.execute(args, context),
      'Email/get': (args, context) => emails.get(args, context),
      'Email/query': (args, context) => emails.query(args, context),
      'Email/queryChanges': (args, context) => emails.queryChanges(args, context),
      'Email/changes': (args, context) => emails.changesSince(args, context),
      'Email/set': (args, context) => setEmails.execute(args, context),
      'Email/import': (args, context) => importEmails.execute(args, context),
      'Email/parse': (args, context) => emails.parse(args, context),
      'Email/copy': (args, context) => emails.copy(args, context),
      'Blob/copy': (args, context) => blobs.copy(args, context),
      'Thread/get': (args, context) => threads.get(args, context),
      'Thread/changes': (args, context) => threads.changesSince(args, context),
      'SearchSnippet/get': (args, context) => snippets.get(args, context),
      'Identity/get': (args, context) => identities.get(args, context),
      'VacationResponse/get': (args, context) => vacation.get(args, context),
      'VacationResponse/set': (args, context) => vacation.set(args, context),
      'Identity/changes': (args, context) => identities.changesSince(args, context),
      'EmailSubmission/get': (args, context) => submissions.get(args, context),
      'EmailSubmission/changes': (args, context) => submissions.changesSince(args, context),
      'EmailSubmission/query': (args, context) => submissions.query(args, context),
      'EmailSubmission/queryChanges': (args, context) => submissions.queryChanges(args, context),
    };
    this.methods = new Map<string, MethodHandler>([
      ['Core/echo', async (args) => args],
      ...Object.entries(accountMethods).map(([name, handler]) => [name, ofAccount(handler)] as const),
    ]);
  }

  get registry(): MethodRegistry {
    return this.methods;
  }

  async execute(accountId: string, request: JmapRequest, caller: CallerInfo = {}): Promise<JmapResponse> {
    await this.provisioning.ensure(accountId);
    if (
      request.methodCalls.some(
        ([name]) => name.startsWith('Identity/') || name.startsWith('EmailSubmission/'),
      )
    ) {
      await this.identityDirectory.ensureDefault(accountId, caller.address);
    }
    // The two methods that decide what an account may send as need the address it owns.
    const registry: MethodRegistry = {
      get: (name) =>
        name === 'Identity/set'
          ? (args, context) => this.setIdentities.execute(args, Object.assign(context, caller))
          : name === 'EmailSubmission/set'
            ? (args, context) => this.submitEmails.execute(args, Object.assign(context, caller))
            : this.methods.get(name),
    };
    // The caller (push-delivery) hangs up when its device leaves or its own timeout passes: the
    // calls not yet run are not started, and the running statement is cancelled.
    const signal = currentRequestSignal();
    const dispatch = () =>
      dispatchRequest(request, accountId, registry, {
        ...(signal ? { signal } : {}),
        budget: { ...DEFAULT_REQUEST_BUDGET, maxSizeResponse: this.config.JMAP_MAX_RESPONSE_BYTES },
        onUnexpectedError: (method, error) => {
          if (signal?.aborted)
            this.logger.info({ method, accountId }, 'a JMAP method stopped: its request ended');
          else this.logger.error({ err: error, method, accountId }, 'a JMAP method failed');
        },
      });
    // A device's fetch after a push (Email/changes, then Email/get of what it created): one
    // transaction for the request rather than one per method (docs/adr/0098), whose BEGIN also
    // reads the states and the first Foo/changes' log rows (docs/adr/0106).
    const result = sharesOneSnapshot(request)
      ? await inOneSnapshot(
          this.dataSource,
          dispatch,
          accountId,
          firstChangesRead(request.methodCalls, accountId),
        )
      : await dispatch();
    return {
      methodResponses: result.methodResponses,
      sessionState: MAILBOX_SESSION_STATE,
      ...(result.createdIds ? { createdIds: result.createdIds } : {}),
    };
  }

  /** The push state and type states; with `since`, only the types that changed after it. */
  async states(accountId: string, since?: string): Promise<AccountStatesView> {
    const states = await this.changes.readStates(accountId);
    return {
      state: String(states.modseq),
      changed: since === undefined ? stateStrings(states).changed : changedSince(states, since),
    };
  }
}

/**
 * A method of the caller's account: RFC 8620 requires its accountId argument, once for every method
 * here (the dispatcher has already refused any account but the caller's).
 */
function ofAccount(handler: MethodHandler): MethodHandler {
  return async (args, context) => {
    requireAccountId(args);
    return handler(args, context);
  };
}
