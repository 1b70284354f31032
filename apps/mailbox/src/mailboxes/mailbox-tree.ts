import { isObject, MethodError } from '@pushmail/jmap';

export interface MailboxNode {
  id: string;
  name: string;
  parentId: string | null;
  role: string | null;
  sortOrder: number;
  isSubscribed: boolean;
}

/** RFC 8621 §1.3.1 maxMailboxDepth, as the session advertises it. */
export const MAX_MAILBOX_DEPTH = 10;

/** Whether making `parentId` the parent of `id` would put `id` inside itself. */
export function wouldCycle(
  nodes: ReadonlyMap<string, MailboxNode>,
  id: string,
  parentId: string | null,
): boolean {
  const seen = new Set<string>();
  for (let current = parentId; current !== null; current = nodes.get(current)?.parentId ?? null) {
    if (current === id || seen.has(current)) return true;
    seen.add(current);
  }
  return false;
}

/** How deep a mailbox under `parentId` sits: 1 at the top level. */
export function depthUnder(nodes: ReadonlyMap<string, MailboxNode>, parentId: string | null): number {
  let depth = 1;
  for (let current = parentId; current !== null && depth <= MAX_MAILBOX_DEPTH + 1; depth += 1) {
    current = nodes.get(current)?.parentId ?? null;
  }
  return depth;
}

/** The depth of the deepest mailbox below `id`, counting `id` as 1. */
export function subtreeHeight(nodes: ReadonlyMap<string, MailboxNode>, id: string): number {
  let height = 1;
  for (const node of nodes.values()) {
    if (node.parentId === id) height = Math.max(height, 1 + subtreeHeight(nodes, node.id));
  }
  return height;
}

/** Names are unique among siblings, compared without case. */
export function siblingNamed(
  nodes: ReadonlyMap<string, MailboxNode>,
  parentId: string | null,
  name: string,
  except: string | null,
): MailboxNode | undefined {
  const folded = name.toLowerCase();
  for (const node of nodes.values()) {
    if (node.id !== except && node.parentId === parentId && node.name.toLowerCase() === folded) return node;
  }
  return undefined;
}

/** Every mailbox below `id`. */
export function descendantsOf(nodes: ReadonlyMap<string, MailboxNode>, id: string): string[] {
  const result: string[] = [];
  for (const node of nodes.values()) {
    if (node.parentId === id) result.push(node.id, ...descendantsOf(nodes, node.id));
  }
  return result;
}

const FILTER_CONDITIONS = ['parentId', 'name', 'role', 'hasAnyRole', 'isSubscribed'];

/**
 * Mailbox/query (RFC 8621 §2.3) over an account's mailboxes, in memory: they are few. With
 * `sortAsTree` a parent comes before its children, siblings in the requested order; with
 * `filterAsTree` a mailbox is in the results only if its ancestors are too.
 */
export function queryMailboxes(
  nodes: ReadonlyMap<string, MailboxNode>,
  options: { filter: unknown; sort: unknown; sortAsTree: boolean; filterAsTree: boolean },
): string[] {
  const matches = compileMailboxFilter(options.filter);
  const compare = compileMailboxSort(options.sort);
  const all = [...nodes.values()];
  const matching = new Set(all.filter(matches).map((node) => node.id));
  const included = (node: MailboxNode): boolean => {
    if (!matching.has(node.id)) return false;
    if (!options.filterAsTree || node.parentId === null) return true;
    const parent = nodes.get(node.parentId);
    return parent !== undefined && included(parent);
  };
  if (!options.sortAsTree)
    return all
      .filter(included)
      .sort(compare)
      .map((node) => node.id);
  const result: string[] = [];
  const visit = (parentId: string | null, depth: number): void => {
    if (depth > MAX_MAILBOX_DEPTH + 1) return;
    for (const node of all.filter((candidate) => candidate.parentId === parentId).sort(compare)) {
      if (included(node)) result.push(node.id);
      visit(node.id, depth + 1);
    }
  };
  visit(null, 1);
  // Mailboxes whose parent is gone are not lost from a tree sort.
  for (const node of all
    .filter((candidate) => candidate.parentId !== null && !nodes.has(candidate.parentId))
    .sort(compare)) {
    if (included(node) && !result.includes(node.id)) result.push(node.id);
  }
  return result;
}

function compileMailboxFilter(filter: unknown): (node: MailboxNode) => boolean {
  if (filter === undefined || filter === null) return () => true;
  if (!isObject(filter)) throw invalid('"filter" must be null or an object');
  if ('operator' in filter) {
    const { operator, conditions } = filter;
    if (!Array.isArray(conditions)) throw invalid('"conditions" must be an array');
    const parts = conditions.map(compileMailboxFilter);
    if (operator === 'AND') return (node) => parts.every((part) => part(node));
    if (operator === 'OR') return (node) => parts.some((part) => part(node));
    if (operator === 'NOT') return (node) => !parts.some((part) => part(node));
    throw new MethodError('unsupportedFilter', 'operator must be AND, OR or NOT');
  }
  const tests: Array<(node: MailboxNode) => boolean> = [];
  for (const [name, value] of Object.entries(filter)) {
    if (!FILTER_CONDITIONS.includes(name))
      throw new MethodError('unsupportedFilter', `unsupported condition ${name.slice(0, 64)}`);
    switch (name) {
      case 'parentId':
        if (value !== null && typeof value !== 'string') throw invalid('"parentId" must be an id or null');
        tests.push((node) => node.parentId === value);
        break;
      case 'name': {
        if (typeof value !== 'string') throw invalid('"name" must be a string');
        const folded = value.toLowerCase();
        tests.push((node) => node.name.toLowerCase().includes(folded));
        break;
      }
      case 'role':
        if (value !== null && typeof value !== 'string') throw invalid('"role" must be a role or null');
        tests.push((node) => node.role === value);
        break;
      case 'hasAnyRole':
      case 'isSubscribed': {
        if (typeof value !== 'boolean') throw invalid(`"${name}" must be a boolean`);
        tests.push(
          name === 'hasAnyRole'
            ? (node) => (node.role !== null) === value
            : (node) => node.isSubscribed === value,
        );
        break;
      }
    }
  }
  return (node) => tests.every((test) => test(node));
}

function compileMailboxSort(sort: unknown): (a: MailboxNode, b: MailboxNode) => number {
  const byId = (a: MailboxNode, b: MailboxNode) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (sort === undefined || sort === null)
    return (a, b) => a.sortOrder - b.sortOrder || compareNames(a, b) || byId(a, b);
  if (!Array.isArray(sort)) throw invalid('"sort" must be null or an array');
  const comparators = sort.map((comparator): ((a: MailboxNode, b: MailboxNode) => number) => {
    if (!isObject(comparator) || typeof comparator['property'] !== 'string')
      throw invalid('each comparator needs a "property"');
    const sign = comparator['isAscending'] === false ? -1 : 1;
    if (comparator['property'] === 'sortOrder') return (a, b) => sign * (a.sortOrder - b.sortOrder);
    if (comparator['property'] === 'name') return (a, b) => sign * compareNames(a, b);
    throw new MethodError(
      'unsupportedSort',
      `cannot sort mailboxes on ${comparator['property'].slice(0, 64)}`,
    );
  });
  return (a, b) => {
    for (const comparator of comparators) {
      const order = comparator(a, b);
      if (order !== 0) return order;
    }
    return byId(a, b);
  };
}

function compareNames(a: MailboxNode, b: MailboxNode): number {
  const left = a.name.toLowerCase();
  const right = b.name.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function invalid(description: string): MethodError {
  return new MethodError('invalidArguments', description);
}
