// MoveItems ([MS-ASCMD] 2.2.1.12): moves items between folders.
import { children, el, type WbxmlElement } from '../wbxml/wbxml.js';
import { COMMON_STATUS, RequestReader } from './common.js';

/**
 * MoveItems Status values ([MS-ASCMD] 2.2.3.177.10), per move. The gateway answers 1 for a source
 * folder or message the device does not hold or mailbox no longer has (the phone syncs again), 2 for
 * a destination that is not (or no longer) a folder of the account, 4 for a move into the folder it
 * is in, 5 for any other refusal of mailbox's, and 7 (retry) when mailbox could not be reached for
 * it. A quarantined device's MoveItems carries no per-move answer: the common 130 (AccessDenied) as
 * the MoveItems Status.
 */
export const MOVE_ITEMS_STATUS = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameSourceAndDestination: 4,
  /** The move failed (the item cannot be moved, or the source or destination item was locked). */
  Failure: 5,
  /** Source or destination item locked: a transient condition; the phone retries the request. */
  Locked: 7,
} as const;

export const MAX_MOVES = 1000;

export interface MoveItemsRequest {
  moves: Array<{ srcMsgId: string; srcFldId: string; dstFldId: string }>;
}

export interface MoveItemsResponse {
  /** A Status for the whole command (a common value, 2.2.2), answered instead of per-move ones. */
  status?: number;
  responses: Array<{ srcMsgId: string; status: number; dstMsgId?: string }>;
}

// MoveItems has only per-item Status values; a malformed request is answered with InvalidXML.
const r = new RequestReader('MoveItems', COMMON_STATUS.InvalidXML);

export function readMoveItemsRequest(root: WbxmlElement): MoveItemsRequest {
  r.root(root, 'Move', 'MoveItems');
  const moves = children(root, 'Move', 'Move');
  if (moves.length === 0) r.fail('MoveItems holds no Move');
  if (moves.length > MAX_MOVES) r.fail(`more than ${MAX_MOVES} moves`);
  return {
    moves: moves.map((m) => ({
      srcMsgId: r.requiredText(m, 'SrcMsgId', 'Move', 64),
      srcFldId: r.requiredText(m, 'SrcFldId', 'Move', 64),
      dstFldId: r.requiredText(m, 'DstFldId', 'Move', 64),
    })),
  };
}

export function buildMoveItemsResponse(response: MoveItemsResponse): WbxmlElement {
  return el(
    'Move',
    'MoveItems',
    response.status !== undefined && el('Move', 'Status', String(response.status)),
    response.responses.map((entry) =>
      el(
        'Move',
        'Response',
        el('Move', 'SrcMsgId', entry.srcMsgId),
        el('Move', 'Status', String(entry.status)),
        entry.dstMsgId !== undefined && el('Move', 'DstMsgId', entry.dstMsgId),
      ),
    ),
  );
}
