// Generated from apps/operations/openapi.json by openapi-typescript: do not edit by hand.
// Regenerate: npx vitest run --project unit apps/operations/src/openapi -u
export interface paths {
  '/admin/openapi.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations['getOpenApi'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List accounts in address order */
    get: operations['listAccounts'];
    put?: never;
    /** Create an account */
    post: operations['createAccount'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One account, with its lockout state */
    get: operations['getAccount'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/unlock': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Lift a sign-in lockout */
    post: operations['unlockAccount'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/policy': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Give the account its own policy (or null to follow the default) */
    put: operations['assignPolicy'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The account's partnerships */
    get: operations['listAccountDevices'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices/{deviceId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One partnership */
    get: operations['getDevice'];
    put?: never;
    post?: never;
    /** End the partnership: tokens die, the place under the limit is freed */
    delete: operations['removeDevice'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices/{deviceId}/access': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Always allow or always block this device of this account (an exemption) */
    put: operations['setDeviceAccess'];
    post?: never;
    /** Drop the exemption: rules and the default decide again */
    delete: operations['clearDeviceAccess'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices/{deviceId}/wipe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Ask the device to wipe itself (full) or this account’s data (account) */
    post: operations['requestWipe'];
    /** Withdraw a pending wipe */
    delete: operations['cancelWipe'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/devices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Search partnerships across the organisation */
    get: operations['searchDevices'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/access/rules': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Access rules */
    get: operations['listAccessRules'];
    put?: never;
    /** Add a rule; partnerships are decided again at once */
    post: operations['createAccessRule'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/access/rules/{ruleId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a rule; partnerships are decided again at once */
    delete: operations['deleteAccessRule'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/access/exemptions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Per-device exemptions */
    get: operations['listExemptions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Organisation defaults */
    get: operations['getSettings'];
    /** Change the default access and/or default policy */
    put: operations['updateSettings'];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/policies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Device policies */
    get: operations['listPolicies'];
    put?: never;
    /** Create a policy */
    post: operations['createPolicy'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/policies/{policyId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One policy */
    get: operations['getPolicy'];
    /** Change a policy: a new version every device under it must acknowledge */
    put: operations['updatePolicy'];
    post?: never;
    /** Delete a policy no account uses */
    delete: operations['deletePolicy'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/wipes': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Remote wipes, newest first */
    get: operations['listWipes'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/wipes/{wipeId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One wipe */
    get: operations['getWipe'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A device signs in with the account's password and receives its own token */
    post: operations['registerDevice'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/v1/devices/token': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Trade the current device token for a new one; the old one stops at once */
    post: operations['rotateDeviceToken'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/domains/{domain}/dkim': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A hosted domain's DKIM keys and the DNS records to publish */
    get: operations['getDomainDkim'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/domains/{domain}/dkim/rotate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Make a new DKIM key that signs after DKIM_ROTATION_DELAY_MS; the old record stays to publish for the grace time */
    post: operations['rotateDomainDkim'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/queue': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The deliveries waiting in the outbound queue, oldest first */
    get: operations['listQueue'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/queue/{deliveryId}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Try a queued or deferred delivery at the next pass of the queue */
    post: operations['retryDelivery'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/queue/{deliveryId}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Bounce a queued or deferred delivery at the next pass: a DSN to the sender, deliveryStatus no */
    post: operations['cancelDelivery'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices/{deviceId}/trail': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A device's diagnostic trail, newest first (records without a device concern the whole account) */
    get: operations['getDeviceTrail'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/devices/{deviceId}/findings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Why this device does (not) get mail: its status and each finding with evidence and fix */
    get: operations['getDeviceFindings'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/accounts/{accountId}/findings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The diagnosis of every device of an account */
    get: operations['getAccountFindings'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/findings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every device of the organisation with a finding, worst first */
    get: operations['listFindings'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The console's live counters: sockets, message rates and consumer lag from each service's /metrics */
    get: operations['getLiveCounters'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/admin/selftest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send the account a mail and follow it as the device: SMTP, Kafka, store, push, fetch */
    post: operations['runSelfTest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /** @description One event of a device: socket, ping, push, request, failed authentication, or a registry decision. */
    TrailRecord: {
      deviceId: string | null;
      /** @enum {string} */
      kind:
        | 'connected'
        | 'disconnected'
        | 'ping'
        | 'pong'
        | 'pushSent'
        | 'request'
        | 'authFailed'
        | 'accessDecision'
        | 'policyDecision'
        | 'wipeStep';
      /** Format: date-time */
      at: string;
      detail?: string;
      close?: {
        code: number;
        reason: string;
        /** @enum {string} */
        by: 'client' | 'server' | 'network';
        /** @enum {string} */
        initiator?: 'clientCloseFrame' | 'server' | 'silentCut';
        idleMs?: number;
        lifetimeMs: number;
        pingIntervalMs?: number;
      };
      request?: {
        methods: string[];
        ok: boolean;
        durationMs: number;
        error?: string;
      };
      sends?: {
        submissionId?: string;
        emailId?: string;
        recipients?: number;
        /** @enum {string} */
        outcome: 'sent' | 'pending' | 'refused';
        error?: string;
      }[];
      auth?: {
        status: number;
        reason: string;
      };
      count?: number;
      /** Format: date-time */
      firstAt?: string;
      clientAddress?: string;
      activesync?: {
        command: string;
        status?: string;
        heartbeatSeconds?: number;
        /** Format: uuid */
        policyId?: string;
        policyVersion?: number;
      };
      id: string;
      /** Format: uuid */
      accountId: string;
      source: string;
      /** @description For registry decisions: access, policy or wipe. */
      decision?: {
        [key: string]: unknown;
      };
    };
    Finding: {
      /** @enum {string} */
      code:
        | 'idleConnectionCut'
        | 'reconnectStorm'
        | 'abusiveReconnects'
        | 'policyNotAcknowledged'
        | 'quarantined'
        | 'blocked'
        | 'partnershipLimitReached'
        | 'authFailures'
        | 'pushesNotFetched'
        | 'stalePartnership'
        | 'wipePending'
        | 'provisioningLoop'
        | 'pingsNotReturning';
      /** @enum {string} */
      severity: 'info' | 'warning' | 'error';
      title: string;
      evidence: {
        [key: string]: unknown;
      };
      fix: string;
    };
    Error: {
      /** @description A stable machine-readable code, e.g. `device_limit_reached`, `account_locked`, `device_blocked`. */
      error: string;
      /** @description What went wrong and what to do about it. */
      message?: string;
    } & {
      [key: string]: unknown;
    };
    DeviceDiagnosis: {
      /** Format: uuid */
      accountId: string;
      deviceId: string;
      address: string;
      /** @enum {string} */
      status: 'ok' | 'info' | 'warning' | 'error';
      lastSyncAt: string | null;
      findings: components['schemas']['Finding'][];
    };
    SelfTestReport: {
      /** Format: uuid */
      accountId: string;
      address: string;
      ok: boolean;
      stoppedAt: ('websocket' | 'smtp' | 'kafka' | 'store' | 'push' | 'fetch') | null;
      diagnosis: string;
      hops: {
        /** @enum {string} */
        name: 'websocket' | 'smtp' | 'kafka' | 'store' | 'push' | 'fetch';
        ok: boolean;
        /** @description After the message was handed to SMTP (websocket: the handshake). */
        ms: number | null;
        detail: string;
      }[];
      /** Format: date-time */
      startedAt: string;
      totalMs: number;
    };
    DomainDkim: {
      domain: string;
      keys: {
        selector: string;
        /**
         * @description `signing` signs now; `next` signs from `activeFrom`; `retired` signed until `retiredAt`.
         * @enum {string}
         */
        state: 'signing' | 'next' | 'retired';
        /** Format: date-time */
        activeFrom: string;
        retiredAt: string | null;
        /** @description Until when the record must stay in DNS; null: as long as the key is in use. */
        publishUntil: string | null;
        /** @description The DNS TXT record to publish. */
        record: {
          name: string;
          /** @constant */
          type: 'TXT';
          value: string;
        };
      }[];
    };
    QueuePage: {
      deliveries: components['schemas']['QueuedDelivery'][];
    };
    QueuedDelivery: {
      deliveryId: string;
      submissionId: string;
      /** Format: uuid */
      accountId: string;
      sender: string;
      recipient: string;
      /** @enum {string} */
      status: 'queued' | 'deferred';
      attempts: number;
      /** Format: date-time */
      nextAttemptAt: string;
      /**
       * Format: date-time
       * @description When it bounces if still not delivered.
       */
      expiresAt: string;
      lastReply: string | null;
      /** @description A replica is trying it right now. */
      inProgress: boolean;
      /** @description Cancelled: it bounces at the next pass of the queue. */
      cancelRequested: boolean;
      /** Format: date-time */
      createdAt: string;
    };
    PolicySettings: {
      pinRequired: boolean;
      minPinLength: number;
      lockAfterIdleSeconds: number | null;
      wipeAfterFailedUnlocks: number | null;
      syncWindowDays: number | null;
      maxAttachmentBytes: number | null;
    };
    AccountPage: {
      accounts: components['schemas']['Account'][];
      nextCursor: string | null;
    };
    Account: {
      /** Format: uuid */
      accountId: string;
      /** Format: email */
      address: string;
      displayName: string | null;
      /** @enum {string} */
      status: 'active' | 'disabled' | 'deleted';
      revision: number;
      /** @description Below `revision` while a snapshot still waits to reach Kafka. */
      publishedRevision: number;
      deviceCount: number;
      /** @description The account’s own policy; null follows the default. */
      policyId: string | null;
      /** @description Failed sign-ins in the current window. */
      failedSignIns: number;
      /** @description Set while sign-ins are refused after too many failures. */
      lockedUntil: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    /** @description A partnership: one device of one account. */
    Device: {
      /** Format: uuid */
      accountId: string;
      address: string;
      deviceId: string;
      deviceType: string;
      model: string;
      os: string | null;
      userAgent: string | null;
      /** @enum {string} */
      access: 'allowed' | 'blocked' | 'quarantined';
      /** @description The rule that decided `access`. */
      accessReason: string | null;
      /** @enum {string} */
      accessSource: 'exemption' | 'rule' | 'default';
      accessRuleId: string | null;
      /** Format: date-time */
      accessDecidedAt: string;
      exemption: ('allowed' | 'blocked') | null;
      /** @enum {string} */
      authMethod: 'token' | 'password';
      /** @enum {string} */
      status: 'active' | 'wiped';
      wipedAt: string | null;
      firstSyncAt: string | null;
      lastSyncAt: string | null;
      lastSeenAddress: string | null;
      /**
       * @description How the device syncs: JMAP or Exchange ActiveSync.
       * @enum {string}
       */
      protocol: 'jmap' | 'activesync';
      /** @description The ActiveSync protocol version it last used. */
      protocolVersion: string | null;
      /** @description The last ActiveSync command it sent. */
      lastCommand: string | null;
      lastCommandAt: string | null;
      /** @description The Ping heartbeat it asked for, in seconds. */
      heartbeatSeconds: number | null;
      policy: {
        /** Format: uuid */
        policyId: string;
        name: string;
        version: number;
      } | null;
      acknowledgedPolicy: {
        /** Format: uuid */
        policyId: string;
        version: number;
        acknowledgedAt: string | null;
      } | null;
      policyAcknowledged: boolean;
      pendingWipe: {
        /** Format: uuid */
        wipeId: string;
        /** @enum {string} */
        kind: 'full' | 'account';
        requestedBy: string;
        /** Format: date-time */
        requestedAt: string;
      } | null;
      liveTokens: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Exemption: {
      /** Format: uuid */
      accountId: string;
      deviceId: string;
      /** @enum {string} */
      access: 'allowed' | 'blocked';
      note: string | null;
      /** Format: date-time */
      createdAt: string;
    };
    Wipe: {
      /** Format: uuid */
      wipeId: string;
      /** Format: uuid */
      accountId: string;
      deviceId: string;
      /** @enum {string} */
      kind: 'full' | 'account';
      /** @enum {string} */
      status: 'pending' | 'confirmed' | 'cancelled';
      requestedBy: string;
      /** Format: date-time */
      requestedAt: string;
      confirmedAt: string | null;
      cancelledAt: string | null;
      cancelledBy: string | null;
    };
    DevicePage: {
      devices: components['schemas']['Device'][];
      nextCursor: string | null;
    };
    AccessRule: {
      /** Format: uuid */
      ruleId: string;
      /** @enum {string} */
      matchField: 'deviceType' | 'model';
      /** @description Case-insensitive, whole value; `*` matches any run of characters. */
      pattern: string;
      /** @enum {string} */
      access: 'allowed' | 'blocked' | 'quarantined';
      description: string | null;
      /** Format: date-time */
      createdAt: string;
    };
    Settings: {
      /**
       * @description Access of a device that no exemption or rule decides.
       * @enum {string}
       */
      defaultAccess: 'allowed' | 'blocked' | 'quarantined';
      /** @description The policy of every account without its own; null for none. */
      defaultPolicyId: string | null;
    };
    Policy: {
      /** Format: uuid */
      policyId: string;
      name: string;
      /** @description Grows with every change; devices acknowledge a version. */
      version: number;
      settings: components['schemas']['PolicySettings'];
      isDefault: boolean;
      assignedAccounts: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    Registration: {
      /** Format: uuid */
      accountId: string;
      deviceId: string;
      /** @description The device token: shown once, stored only as a digest. */
      token: string;
      sessionUrl: string | null;
      /** @enum {string} */
      access: 'allowed' | 'blocked' | 'quarantined';
      accessRule: string;
    };
  };
  responses: {
    /** @description The request is malformed; `message` names each bad field. */
    E400: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description The admin bearer token is missing or wrong. */
    E401: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description No such account, device, rule, policy or wipe. */
    E404: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Conflicts with the current state (duplicate, pending wipe, policy in use). */
    E409: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Refused: `error` says why (device limit, blocked device, disabled account, wiped device). */
    E403: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
    /** @description Too many failed sign-ins: the account is locked (see `lockedUntil` and `Retry-After`). */
    E429: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['Error'];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getOpenApi: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The OpenAPI document */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            [key: string]: unknown;
          };
        };
      };
      401: components['responses']['E401'];
    };
  };
  listAccounts: {
    parameters: {
      query?: {
        /** @description Page size. */
        limit?: number;
        /** @description The `nextCursor` of the previous page. */
        cursor?: string;
        /** @description Only the account with this address (case-insensitive). */
        address?: string;
        /** @description Only accounts locked out now by failed sign-ins. */
        locked?: 'true' | 'false';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of accounts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccountPage'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  createAccount: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          address: string;
          password: string;
          displayName?: string;
        };
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** Format: uuid */
            accountId: string;
            address: string;
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      409: components['responses']['E409'];
    };
  };
  getAccount: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The account */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Account'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  unlockAccount: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The account, unlocked */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Account'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  assignPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          policyId: string | null;
        };
      };
    };
    responses: {
      /** @description The account */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Account'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  listAccountDevices: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Devices */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** Format: uuid */
            accountId: string;
            devices: components['schemas']['Device'][];
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  getDevice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The device */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Device'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  removeDevice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  setDeviceAccess: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          access: 'allowed' | 'blocked';
          note?: string | null;
        };
      };
    };
    responses: {
      /** @description The exemption */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Exemption'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  clearDeviceAccess: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Cleared */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  requestWipe: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          kind: 'full' | 'account';
          /** @default administrator */
          requestedBy?: string;
        };
      };
    };
    responses: {
      /** @description The wipe, pending until the device confirms */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Wipe'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  cancelWipe: {
    parameters: {
      query?: {
        /** @description Who withdraws it. */
        cancelledBy?: string;
      };
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The cancelled wipe */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Wipe'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  searchDevices: {
    parameters: {
      query?: {
        /** @description Only this account. */
        accountId?: string;
        /** @description Only this access level. */
        access?: 'allowed' | 'blocked' | 'quarantined';
        /** @description Only this status. */
        status?: 'active' | 'wiped';
        /** @description Part of the device id, model, device type, user agent or account address. */
        q?: string;
        /** @description Not synced since (or never). */
        syncedBefore?: string;
        /** @description Synced since. */
        syncedSince?: string;
        /** @description Page size. */
        limit?: number;
        /** @description The `nextCursor` of the previous page. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of devices */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DevicePage'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  listAccessRules: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Rules */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            rules: components['schemas']['AccessRule'][];
          };
        };
      };
      401: components['responses']['E401'];
    };
  };
  createAccessRule: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          matchField: 'deviceType' | 'model';
          pattern: string;
          /** @enum {string} */
          access: 'allowed' | 'blocked' | 'quarantined';
          description?: string;
        };
      };
    };
    responses: {
      /** @description The rule */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AccessRule'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      409: components['responses']['E409'];
    };
  };
  deleteAccessRule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The rule id. */
        ruleId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  listExemptions: {
    parameters: {
      query?: {
        /** @description Only this account. */
        accountId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Exemptions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            exemptions: components['schemas']['Exemption'][];
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  getSettings: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Settings */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      401: components['responses']['E401'];
    };
  };
  updateSettings: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @enum {string} */
          defaultAccess?: 'allowed' | 'blocked' | 'quarantined';
          defaultPolicyId?: string | null;
        };
      };
    };
    responses: {
      /** @description Settings */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Settings'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  listPolicies: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Policies */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            policies: components['schemas']['Policy'][];
          };
        };
      };
      401: components['responses']['E401'];
    };
  };
  createPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name: string;
          /** @default {} */
          settings?: {
            pinRequired?: boolean;
            minPinLength?: number;
            lockAfterIdleSeconds?: number | null;
            wipeAfterFailedUnlocks?: number | null;
            syncWindowDays?: number | null;
            maxAttachmentBytes?: number | null;
          };
        };
      };
    };
    responses: {
      /** @description The policy */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Policy'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      409: components['responses']['E409'];
    };
  };
  getPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The policy id. */
        policyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The policy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Policy'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  updatePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The policy id. */
        policyId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          name?: string;
          settings?: {
            pinRequired?: boolean;
            minPinLength?: number;
            lockAfterIdleSeconds?: number | null;
            wipeAfterFailedUnlocks?: number | null;
            syncWindowDays?: number | null;
            maxAttachmentBytes?: number | null;
          };
        };
      };
    };
    responses: {
      /** @description The policy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Policy'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  deletePolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The policy id. */
        policyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  listWipes: {
    parameters: {
      query?: {
        /** @description Only this account. */
        accountId?: string;
        /** @description Only this status. */
        status?: 'pending' | 'confirmed' | 'cancelled';
        /** @description At most this many. */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Wipes */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            wipes: components['schemas']['Wipe'][];
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  getWipe: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The wipe id. */
        wipeId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The wipe */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Wipe'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  registerDevice: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          address: string;
          password: string;
          /** @description The device id the device registered with (or the one derived for a standard client). */
          deviceId: string;
          deviceType: string;
          model: string;
          os?: string | null;
          userAgent?: string | null;
        };
      };
    };
    responses: {
      /** @description An existing partnership, refreshed */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Registration'];
        };
      };
      /** @description A new partnership */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Registration'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      403: components['responses']['E403'];
      429: components['responses']['E429'];
    };
  };
  rotateDeviceToken: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The new token */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** Format: uuid */
            accountId: string;
            deviceId: string;
            token: string;
          };
        };
      };
      401: components['responses']['E401'];
      403: components['responses']['E403'];
    };
  };
  getDomainDkim: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A hosted domain (one of outbound’s MAIL_DOMAINS). */
        domain: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The keys, signing, next and retired */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DomainDkim'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  rotateDomainDkim: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A hosted domain (one of outbound’s MAIL_DOMAINS). */
        domain: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The keys, the new one `next` */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DomainDkim'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  listQueue: {
    parameters: {
      query?: {
        /** @description Only `queued` (not tried yet) or `deferred` (to retry). */
        status?: 'queued' | 'deferred';
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The waiting deliveries */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueuePage'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  retryDelivery: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A queued delivery (one recipient of one submission). */
        deliveryId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The delivery, due now */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueuedDelivery'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  cancelDelivery: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description A queued delivery (one recipient of one submission). */
        deliveryId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The delivery, to bounce */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['QueuedDelivery'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
      409: components['responses']['E409'];
    };
  };
  getDeviceTrail: {
    parameters: {
      query?: {
        /** @description At most this many. */
        limit?: number;
      };
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The trail */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accountId: string;
            deviceId: string;
            records: components['schemas']['TrailRecord'][];
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  getDeviceFindings: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
        /** @description The device id the device registered with (or the one derived for a standard client). */
        deviceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The diagnosis */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeviceDiagnosis'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  getAccountFindings: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The account id. */
        accountId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One diagnosis per device */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            accountId: string;
            devices: components['schemas']['DeviceDiagnosis'][];
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
  listFindings: {
    parameters: {
      query?: {
        /** @description Leave out findings below this severity. */
        minimum?: 'info' | 'warning' | 'error';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Devices with a finding */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            devices: components['schemas']['DeviceDiagnosis'][];
            examined: number;
          };
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
    };
  };
  getLiveCounters: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Samples per service (CONSOLE_METRICS_URLS) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** Format: date-time */
            at: string;
            services: {
              service: string;
              ok: boolean;
              error?: string;
              samples: {
                name: string;
                labels: string;
                value: number;
              }[];
            }[];
          };
        };
      };
      401: components['responses']['E401'];
    };
  };
  runSelfTest: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** Format: uuid */
          accountId: string;
          deviceToken: string;
          /** @default 20000 */
          timeoutMs?: number;
        };
      };
    };
    responses: {
      /** @description Each hop with its time, or where mail stopped */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SelfTestReport'];
        };
      };
      400: components['responses']['E400'];
      401: components['responses']['E401'];
      404: components['responses']['E404'];
    };
  };
}
