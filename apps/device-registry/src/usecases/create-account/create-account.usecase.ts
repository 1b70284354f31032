import { randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../../credentials/password-hasher.js';
import { isUniqueViolation } from '../../database/unique-violation.js';
import { AccountChanges } from '../../publishing/account-changes.service.js';
import type { CreatedAccount } from '../../accounts/dto/account.response.js';
import type { CreateAccountDto } from '../../accounts/dto/create-account.dto.js';
import { Account } from '../../accounts/entities/account.entity.js';

@Injectable()
export class CreateAccount {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(AccountChanges) private readonly changes: AccountChanges,
  ) {}

  async execute(input: CreateAccountDto): Promise<CreatedAccount> {
    // Checked before hashing, so that a taken address costs no hash.
    if (await this.dataSource.getRepository(Account).existsBy({ address: input.address })) {
      throw addressTaken(input.address);
    }
    const passwordHash = await this.hasher.hash(input.password);
    const accountId = randomUUID();
    await this.changes.commit(accountId, async (manager) => {
      try {
        await manager.insert(Account, {
          id: accountId,
          address: input.address,
          passwordHash,
          displayName: input.displayName ?? null,
          status: 'active',
          // Creation is the account's first change: revision 1, not yet published.
          revision: 1,
          publishedRevision: 0,
        });
      } catch (error) {
        // Another request created the same address between the check and the insert.
        if (isUniqueViolation(error)) throw addressTaken(input.address);
        throw error;
      }
    });
    return { accountId, address: input.address };
  }
}

function addressTaken(address: string): ConflictException {
  return new ConflictException({
    error: 'address_taken',
    message: `an account for ${address} already exists`,
  });
}
