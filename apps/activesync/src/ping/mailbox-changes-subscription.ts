/** The subscription parked requests wait on (`OnDemandSubscriptions.use`, ADR 0107). */
export const MAILBOX_CHANGES = 'mailbox-changes';
