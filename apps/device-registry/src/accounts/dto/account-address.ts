/** Addresses are compared case-insensitively everywhere, so they are stored lower-cased. */
export { accountAddress } from '@pushmail/contracts';
