/**
 * A topic version taken out of the contract: nothing writes it any more and its readers drained it
 * before they stopped reading (ADR 0094). The compatibility check accepts its removal from the
 * contract document; it is never declared again.
 */
export interface RetiredTopic {
  name: string;
  /** The version that carries its events now. */
  replacedBy: string;
}

export const retiredTopics: readonly RetiredTopic[] = [
  { name: 'pushmail.mail.submitted.v1', replacedBy: 'pushmail.mail.submitted.v2' },
];
