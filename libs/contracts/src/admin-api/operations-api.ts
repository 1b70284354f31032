// Generated from apps/operations/src/openapi/openapi-document.ts (operations' own operations) by openapi-typescript: do not edit by hand.
// Regenerate: npx vitest run --project unit apps/operations/src/openapi -u
export interface paths {
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
      auth?: {
        status: number;
        reason: string;
      };
      count?: number;
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
      /** @description A stable machine-readable code, e.g. `invalid_request`, `not_found`. */
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
    /** @description No such account or device. */
    E404: {
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
