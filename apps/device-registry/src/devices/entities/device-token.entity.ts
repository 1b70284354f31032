import { Column, Entity } from 'typeorm';
import { DeviceRecord } from './device-record.js';

/** A device's bearer token, kept only as its SHA-256 digest: a leaked table yields no usable token. */
@Entity({ name: 'device_tokens' })
export class DeviceToken extends DeviceRecord {
  @Column({ name: 'token_sha256', type: 'char', length: 64 })
  tokenSha256!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
