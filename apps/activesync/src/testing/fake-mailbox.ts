import type { IncomingMessage, ServerResponse } from 'node:http';
import { DISABLED_VACATION, VACATION_RESPONSE_ID } from '@pushmail/jmap';
import { FakeHttpService } from './fake-http-service.js';

export interface FakeEmail {
  id: string;
  mailboxIds: Record<string, true>;
  keywords: Record<string, true>;
  receivedAt: string;
  subject: string;
  from: string;
  to: string;
  text: string;
  html?: string;
  /** Attachments, served as mailbox serves body parts: blob `<message blob>_p<N>`. */
  attachments?: FakeAttachment[];
}

export interface FakeAttachment {
  name: string;
  type: string;
  data: Buffer;
}

type Args = Record<string, unknown>;
type Call = [string, Args, string];

/**
 * Mailbox's internal JMAP and blob endpoints, in memory, for the gateway's integration tests: the
 * methods the gateway calls, with JMAP's semantics (states, back-references, /set refusals), and
 * the account checked on every call so one account never reads another's mail.
 */
export class FakeMailbox extends FakeHttpService {
  readonly mailboxes = new Map<
    string,
    Map<string, { id: string; name: string; role: string | null; parentId: string | null }>
  >();
  readonly emails = new Map<string, Map<string, FakeEmail>>();
  /** Each account's VacationResponse singleton, as VacationResponse/set left it. */
  readonly vacations = new Map<string, Args>();
  /**
   * The method names of each JMAP request (`blob download` for a blob), per account, in the order they
   * came, and the ids its Email/get calls asked for (`#<name>` for ids taken from an earlier call).
   */
  readonly requests: Array<{ accountId: string; methods: string[]; emailIds?: string[] }> = [];
  private readonly states = new Map<string, number>();
  /** The account state each delivered email was created at; every id ever held, for Email/changes. */
  private readonly createdAt = new Map<string, number>();
  private readonly everHeld = new Map<string, Set<string>>();
  private sequence = 0;

  constructor(private readonly internalToken: string) {
    super();
  }

  /** An account with Inbox, Drafts, Sent, Trash and one user folder. */
  provision(accountId: string): void {
    const boxes = new Map<
      string,
      { id: string; name: string; role: string | null; parentId: string | null }
    >();
    for (const [id, name, role] of [
      ['inbox', 'Inbox', 'inbox'],
      ['drafts', 'Drafts', 'drafts'],
      ['sent', 'Sent', 'sent'],
      ['trash', 'Trash', 'trash'],
      ['projects', 'Projects', null],
    ] as const) {
      boxes.set(`${id}-${accountId.slice(0, 8)}`, {
        id: `${id}-${accountId.slice(0, 8)}`,
        name,
        role,
        parentId: null,
      });
    }
    this.mailboxes.set(accountId, boxes);
    this.emails.set(accountId, new Map());
    this.states.set(accountId, 1);
  }

  folderId(accountId: string, role: string): string {
    return [...this.mailboxes.get(accountId)!.values()].find((box) => box.role === role || box.name === role)!
      .id;
  }

  deliver(
    accountId: string,
    email: Omit<FakeEmail, 'id' | 'mailboxIds' | 'keywords' | 'receivedAt'> & {
      mailbox?: string;
      receivedAt?: string;
    },
  ): string {
    const id = `M${(this.sequence += 1).toString().padStart(6, '0')}${accountId.slice(0, 4)}`;
    this.emails.get(accountId)!.set(id, {
      id,
      mailboxIds: { [email.mailbox ?? this.folderId(accountId, 'inbox')]: true },
      keywords: {},
      receivedAt: email.receivedAt ?? new Date(Date.now() + this.sequence).toISOString(),
      subject: email.subject,
      from: email.from,
      to: email.to,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
      ...(email.attachments ? { attachments: email.attachments } : {}),
    });
    this.bump(accountId);
    this.createdAt.set(id, this.states.get(accountId)!);
    return id;
  }

  state(accountId: string): string {
    return String(this.states.get(accountId) ?? 0);
  }

  bump(accountId: string): void {
    this.states.set(accountId, (this.states.get(accountId) ?? 0) + 1);
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.headers.authorization !== `Bearer ${this.internalToken}`)
      return end(response, 401, { error: 'unauthorized' });
    const blob = /^\/internal\/blobs\/([^/]+)\/([^/]+)$/.exec(request.url ?? '');
    if (request.method === 'GET' && blob) {
      this.requests.push({ accountId: decodeURIComponent(blob[1]!), methods: ['blob download'] });
      const [, emailId, part] = /^blob-(.+?)(?:_p([0-9]+))?$/.exec(decodeURIComponent(blob[2]!)) ?? [];
      const email = emailId ? this.emails.get(decodeURIComponent(blob[1]!))?.get(emailId) : undefined;
      if (!email) return end(response, 404, { error: 'not_found' });
      if (part !== undefined) {
        const attachment = email.attachments?.[Number(part) - 2];
        if (!attachment) return end(response, 404, { error: 'not_found' });
        response
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': attachment.data.length,
            'x-pushmail-blob-type': attachment.type,
          })
          .end(attachment.data);
        return;
      }
      const mime = Buffer.from(
        `From: ${email.from}\r\nTo: ${email.to}\r\nSubject: ${email.subject}\r\n\r\n${email.text}\r\n`,
      );
      response
        .writeHead(200, {
          'content-type': 'application/octet-stream',
          'x-pushmail-blob-type': 'message/rfc822',
        })
        .end(mime);
      return;
    }
    if (request.method !== 'POST' || request.url !== '/internal/jmap')
      return end(response, 404, { error: 'not_found' });
    const { accountId, request: jmap } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      accountId: string;
      request: { methodCalls: Call[] };
    };
    if (!this.emails.has(accountId)) this.provision(accountId);
    this.requests.push({
      accountId,
      methods: jmap.methodCalls.map(([name]) => name),
      emailIds: jmap.methodCalls
        .filter(([name]) => name === 'Email/get')
        .flatMap(([, args]) => {
          const reference = args['#ids'] as { name?: string } | undefined;
          return reference ? [`#${reference.name ?? ''}`] : ((args['ids'] ?? []) as string[]);
        }),
    });
    const responses: Call[] = [];
    for (const [name, args, callId] of jmap.methodCalls) {
      responses.push([...this.method(accountId, name, resolve(args, responses)), callId] as Call);
    }
    end(response, 200, { methodResponses: responses, sessionState: '0' });
  }

  private method(accountId: string, name: string, args: Args): [string, Args] {
    if (args['accountId'] !== accountId) return ['error', { type: 'accountNotFound' }];
    const emails = this.emails.get(accountId)!;
    const boxes = this.mailboxes.get(accountId)!;
    const state = this.state(accountId);
    switch (name) {
      case 'Mailbox/get':
        return [name, { accountId, state, list: [...boxes.values()], notFound: [] }];
      case 'Email/query': {
        const filter = (args['filter'] ?? {}) as Args;
        const matching = [...emails.values()]
          .filter((email) => !filter['inMailbox'] || email.mailboxIds[filter['inMailbox'] as string])
          .filter((email) => !filter['after'] || email.receivedAt >= (filter['after'] as string))
          .filter(
            (email) =>
              !filter['text'] ||
              `${email.subject} ${email.text}`.toLowerCase().includes(String(filter['text']).toLowerCase()),
          )
          .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1));
        const position = Number(args['position'] ?? 0);
        const limit = Number(args['limit'] ?? 50);
        return [
          name,
          {
            accountId,
            queryState: state,
            position,
            ids: matching.slice(position, position + limit).map((email) => email.id),
            total: matching.length,
          },
        ];
      }
      case 'Email/changes': {
        // As a server may: every email still there and not created since counts as updated, and
        // every id this account ever answered and no longer has as destroyed.
        const since = Number(args['sinceState']);
        if (!Number.isInteger(since) || since > Number(state))
          return ['error', { type: 'cannotCalculateChanges' }];
        const seen = this.everHeld.get(accountId) ?? new Set<string>();
        const created = [...emails.keys()].filter((id) => (this.createdAt.get(id) ?? 0) > since);
        const updated = [...emails.keys()].filter((id) => (this.createdAt.get(id) ?? 0) <= since);
        const destroyed = [...seen].filter((id) => !emails.has(id));
        const count = created.length + updated.length + destroyed.length;
        const maxChanges = Number(args['maxChanges'] ?? Number.POSITIVE_INFINITY);
        return [
          name,
          {
            accountId,
            oldState: String(since),
            newState: state,
            hasMoreChanges: count > maxChanges,
            created,
            updated,
            destroyed,
          },
        ];
      }
      case 'Email/get': {
        for (const id of emails.keys()) this.heldBy(accountId).add(id);
        const ids = (args['ids'] as string[] | null) ?? [...emails.keys()];
        const maxBytes = Number(args['maxBodyValueBytes'] ?? 0);
        const list = ids.filter((id) => emails.has(id)).map((id) => view(emails.get(id)!, maxBytes));
        return [name, { accountId, state, list, notFound: ids.filter((id) => !emails.has(id)) }];
      }
      case 'Email/set': {
        const updated: Args = {};
        const notUpdated: Args = {};
        for (const [id, patch] of Object.entries((args['update'] ?? {}) as Record<string, Args>)) {
          const email = emails.get(id);
          if (!email) {
            notUpdated[id] = { type: 'notFound' };
            continue;
          }
          for (const [path, value] of Object.entries(patch)) {
            if (path === 'mailboxIds') email.mailboxIds = value as Record<string, true>;
            const keyword = /^keywords\/(.+)$/.exec(path)?.[1];
            if (keyword && value === true) email.keywords[keyword] = true;
            if (keyword && value === null) delete email.keywords[keyword];
          }
          updated[id] = null;
        }
        const destroyed: string[] = [];
        const notDestroyed: Args = {};
        for (const id of (args['destroy'] ?? []) as string[]) {
          if (emails.delete(id)) destroyed.push(id);
          else notDestroyed[id] = { type: 'notFound' };
        }
        if (Object.keys(updated).length + destroyed.length > 0) this.bump(accountId);
        return [
          name,
          {
            accountId,
            oldState: state,
            newState: this.state(accountId),
            updated,
            notUpdated,
            destroyed,
            notDestroyed,
          },
        ];
      }
      case 'Mailbox/set': {
        const created: Args = {};
        const updated: Args = {};
        const destroyed: string[] = [];
        for (const [key, value] of Object.entries((args['create'] ?? {}) as Record<string, Args>)) {
          const id = `F${(this.sequence += 1)}`;
          boxes.set(id, {
            id,
            name: String(value['name']),
            role: null,
            parentId: (value['parentId'] as string | null) ?? null,
          });
          created[key] = { id };
        }
        for (const [id, value] of Object.entries((args['update'] ?? {}) as Record<string, Args>)) {
          const box = boxes.get(id);
          if (box) {
            box.name = String(value['name'] ?? box.name);
            box.parentId = (value['parentId'] as string | null) ?? null;
            updated[id] = null;
          }
        }
        for (const id of (args['destroy'] ?? []) as string[]) if (boxes.delete(id)) destroyed.push(id);
        this.bump(accountId);
        return [
          name,
          { accountId, created, updated, destroyed, notCreated: {}, notUpdated: {}, notDestroyed: {} },
        ];
      }
      case 'VacationResponse/get':
        return [name, { accountId, state, list: [this.vacationOf(accountId)], notFound: [] }];
      case 'VacationResponse/set': {
        const patch = ((args['update'] ?? {}) as Record<string, Args>)[VACATION_RESPONSE_ID];
        if (!patch) return [name, { accountId, oldState: state, newState: state, updated: {} }];
        this.vacations.set(accountId, { ...this.vacationOf(accountId), ...patch });
        this.bump(accountId);
        return [
          name,
          { accountId, oldState: state, newState: this.state(accountId), updated: { singleton: null } },
        ];
      }
      default:
        return ['error', { type: 'unknownMethod' }];
    }
  }

  private heldBy(accountId: string): Set<string> {
    let seen = this.everHeld.get(accountId);
    if (!seen) {
      seen = new Set();
      this.everHeld.set(accountId, seen);
    }
    return seen;
  }

  private vacationOf(accountId: string): Args {
    return this.vacations.get(accountId) ?? { id: VACATION_RESPONSE_ID, ...DISABLED_VACATION };
  }
}

/** A body value as Email/get gives it: cut to `maxBytes` when that is above 0 (RFC 8621 §4.2). */
function bodyValue(value: string, maxBytes: number): Args {
  const cut = maxBytes > 0 && Buffer.byteLength(value, 'utf8') > maxBytes;
  return {
    value: cut ? Buffer.from(value, 'utf8').subarray(0, maxBytes).toString('utf8') : value,
    isTruncated: cut,
  };
}

function view(email: FakeEmail, maxBodyValueBytes = 0): Args {
  return {
    id: email.id,
    blobId: `blob-${email.id}`,
    threadId: `T${email.id}`,
    mailboxIds: email.mailboxIds,
    keywords: email.keywords,
    size: email.text.length,
    receivedAt: email.receivedAt,
    subject: email.subject,
    from: [{ name: null, email: email.from }],
    to: [{ name: null, email: email.to }],
    cc: [],
    replyTo: [],
    messageId: [`${email.id}@example.com`],
    preview: email.text.slice(0, 64),
    textBody: [{ partId: '1' }],
    htmlBody: email.html ? [{ partId: '2' }] : [{ partId: '1' }],
    attachments: (email.attachments ?? []).map((attachment, index) => ({
      partId: `p${index + 2}`,
      blobId: `blob-${email.id}_p${index + 2}`,
      name: attachment.name,
      type: attachment.type,
      size: attachment.data.length,
      cid: null,
      disposition: 'attachment',
    })),
    hasAttachment: (email.attachments ?? []).length > 0,
    bodyValues: {
      '1': bodyValue(email.text, maxBodyValueBytes),
      ...(email.html ? { '2': bodyValue(email.html, maxBodyValueBytes) } : {}),
    },
  };
}

/** Resolves `#name` back-references to earlier answers (RFC 8620 §3.7), as far as the gateway uses them. */
function resolve(args: Args, earlier: Call[]): Args {
  const resolved: Args = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      resolved[key] = value;
      continue;
    }
    const reference = value as { resultOf: string; path: string };
    const answer = earlier.find((call) => call[2] === reference.resultOf)?.[1] ?? {};
    resolved[key.slice(1)] = answer[reference.path.replace(/^\//, '')];
  }
  return resolved;
}

function end(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
