export const CORE_CAPABILITY = 'urn:ietf:params:jmap:core';
export const MAIL_CAPABILITY = 'urn:ietf:params:jmap:mail';
export const WEBSOCKET_CAPABILITY = 'urn:ietf:params:jmap:websocket';

/** The core limits a server advertises in its session resource and enforces (RFC 8620 §2). */
export interface CoreLimits {
  maxSizeUpload: number;
  maxConcurrentUpload: number;
  maxSizeRequest: number;
  maxConcurrentRequests: number;
  maxCallsInRequest: number;
  maxObjectsInGet: number;
  maxObjectsInSet: number;
  collationAlgorithms: string[];
}

export const DEFAULT_CORE_LIMITS: CoreLimits = {
  maxSizeUpload: 50_000_000,
  maxConcurrentUpload: 4,
  maxSizeRequest: 10_000_000,
  maxConcurrentRequests: 4,
  maxCallsInRequest: 32,
  maxObjectsInGet: 500,
  maxObjectsInSet: 500,
  collationAlgorithms: ['i;ascii-numeric', 'i;ascii-casemap', 'i;unicode-casemap'],
};

export const SUPPORTED_CAPABILITIES = [CORE_CAPABILITY, MAIL_CAPABILITY, WEBSOCKET_CAPABILITY] as const;
