import { Injectable, type OnModuleInit } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

const DUMMY_PASSWORD = 'dummy password that matches no account';

/**
 * Argon2id (the library's default algorithm) with its default cost: 19 MiB, 2 passes, which is
 * the OWASP baseline for interactive logins.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: Promise<string> | undefined;

  /** Ready before the first request, so the first unknown address costs no more than later ones. */
  onModuleInit(): void {
    this.dummyHash ??= hash(DUMMY_PASSWORD);
  }

  hash(password: string): Promise<string> {
    return hash(password);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash must read as a failed login, not as a server error.
      return false;
    }
  }

  /**
   * Spends the same work as a real verification, for an address that has no account: the answer
   * time must not tell an attacker which addresses exist.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= hash(DUMMY_PASSWORD);
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
