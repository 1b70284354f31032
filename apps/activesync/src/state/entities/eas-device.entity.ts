import { Column, Entity } from 'typeorm';
import { bigintNumber } from './bigint-number.js';
import { DeviceRow } from './device-row.js';

/** What the gateway keeps of one EAS partnership besides what device-registry keeps. */
@Entity({ name: 'devices' })
export class EasDevice extends DeviceRow {
  @Column({ name: 'device_type', type: 'varchar', length: 64 })
  deviceType!: string;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'protocol_version', type: 'varchar', length: 8 })
  protocolVersion!: string;

  /** From Settings DeviceInformation. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  model!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  os!: string | null;

  @Column({ name: 'friendly_name', type: 'varchar', length: 128, nullable: true })
  friendlyName!: string | null;

  /** Handed out in the first phase of Provision; only its acknowledgement earns the final key. */
  @Column({ name: 'temporary_policy_key', type: 'bigint', nullable: true, transformer: bigintNumber })
  temporaryPolicyKey!: number | null;

  @Column({ name: 'policy_key', type: 'bigint', nullable: true, transformer: bigintNumber })
  policyKey!: number | null;

  /** The policy (and version) the final key stands for; null: the account had none. */
  @Column({ name: 'policy_id', type: 'uuid', nullable: true })
  policyId!: string | null;

  @Column({ name: 'policy_version', type: 'int', nullable: true })
  policyVersion!: number | null;

  /** The folders and heartbeat of the last Ping that named them, for an empty Ping. */
  @Column({ name: 'ping_folders', type: 'jsonb', nullable: true })
  pingFolders!: string[] | null;

  @Column({ name: 'ping_heartbeat_seconds', type: 'int', nullable: true })
  pingHeartbeatSeconds!: number | null;

  @Column({ name: 'last_command', type: 'varchar', length: 32, nullable: true })
  lastCommand!: string | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;
}
