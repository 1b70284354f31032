import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { Device } from '../devices/entities/device.entity.js';
import type { ListAccountsQuery } from './dto/list-accounts.dto.js';
import { accountNotFound } from './account-revision.js';
import { Account } from './entities/account.entity.js';
import type { AccountPage, AccountResponse } from './dto/account.response.js';

/** An account as the admin API shows it: the shape its OpenAPI document gives. */
export type AccountSummary = AccountResponse;

/** Read side of the admin account endpoints. */
@Injectable()
export class AccountsService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Pages in address order; the cursor is the last address of the previous page. */
  async list(query: ListAccountsQuery): Promise<AccountPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const builder = this.dataSource
      .getRepository(Account)
      .createQueryBuilder('account')
      .orderBy('account.address', 'ASC')
      .limit(query.limit + 1);
    if (after !== undefined) builder.andWhere('account.address > :after', { after });
    if (query.locked) builder.andWhere('account.lockedUntil > now()');
    if (query.address) builder.andWhere('account.address = :address', { address: query.address });
    const rows = await builder.getMany();
    const page = rows.slice(0, query.limit);
    const counts = await this.deviceCounts(page.map((account) => account.id));
    const last = page[page.length - 1];
    return {
      accounts: page.map((account) => summaryOf(account, counts.get(account.id) ?? 0)),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.address) : null,
    };
  }

  async get(accountId: string): Promise<AccountSummary> {
    const account = await this.dataSource.getRepository(Account).findOneBy({ id: accountId });
    if (!account) throw accountNotFound(accountId);
    const counts = await this.deviceCounts([accountId]);
    return summaryOf(account, counts.get(accountId) ?? 0);
  }

  /** Lifts a sign-in lockout and forgets the failures that led to it. */
  async unlock(accountId: string): Promise<AccountSummary> {
    const result = await this.dataSource
      .getRepository(Account)
      .update({ id: accountId }, { lockedUntil: null, failedSignIns: 0, failureWindowStartedAt: null });
    if (!result.affected) throw accountNotFound(accountId);
    return this.get(accountId);
  }

  private async deviceCounts(accountIds: string[]): Promise<Map<string, number>> {
    if (accountIds.length === 0) return new Map();
    const rows: { accountId: string; count: string }[] = await this.dataSource
      .getRepository(Device)
      .createQueryBuilder('device')
      .select('device.accountId', 'accountId')
      .addSelect('COUNT(*)', 'count')
      .where({ accountId: In(accountIds) })
      .groupBy('device.accountId')
      .getRawMany();
    return new Map(rows.map((row) => [row.accountId, Number(row.count)]));
  }
}

function summaryOf(account: Account, deviceCount: number): AccountSummary {
  const locked = account.lockedUntil !== null && account.lockedUntil.getTime() > Date.now();
  return {
    accountId: account.id,
    address: account.address,
    displayName: account.displayName,
    status: account.status,
    revision: account.revision,
    publishedRevision: account.publishedRevision,
    deviceCount,
    policyId: account.policyId,
    failedSignIns: account.failedSignIns,
    lockedUntil: locked ? account.lockedUntil!.toISOString() : null,
    createdAt: account.createdAt.toISOString(),
    updatedAt: account.updatedAt.toISOString(),
  };
}

function encodeCursor(address: string): string {
  return Buffer.from(address, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const address = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || address.length === 0 || !address.includes('@')) {
    throw new BadRequestException({
      error: 'invalid_request',
      message: 'cursor: not a cursor this service issued',
    });
  }
  return address;
}
